import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// `apply --plan`: the reviewed plan is applied exactly, or refused when the database moved.
@Suite struct ReviewedPlanTests {
    /// The example applied from git (so later plans are incremental), then one price changed in a commit.
    static func priceChangeUnderReview() async throws -> (TestRepository, PostgresPool, Reconciler, GitCommitSource) {
        let (repository, pool, reconciler) = try await ReconcilerTests.appliedExample()
        do {
            let git = try GitRepository(discoveringFrom: repository.path)
            let first = try GitCommitSource(repository: git, revision: "HEAD")
            let (tenants, _) = try ReconcilerTests.tenants(repository)
            _ = try await reconciler.apply(
                tenants,
                commit: first.commit,
                subtrees: try git.entries(at: first.commit, in: TenantLoader.folder)
            )
            try ReconcilerTests.replace(
                repository,
                "Tenants/salon-rima/menus/services.yaml",
                "price: 15.00",
                "price: 16.00"
            )
            try repository.commit("Blow-dry costs more")
            return (repository, pool, reconciler, try GitCommitSource(repository: git, revision: "HEAD"))
        } catch {
            repository.delete()
            throw error
        }
    }

    static func reviewedPlan(
        _ reconciler: Reconciler,
        _ source: GitCommitSource
    ) async throws -> (
        TenantSelection, [TenantConfig], ReviewedPlan
    ) {
        let selection = try await TenantSelection.make(source: source, tenants: [], reconciler: reconciler, full: false)
        let tenants = try TenantLoader().load(from: source, only: selection.slugs).tenants
        let plan = try await reconciler.plan(tenants, removed: selection.removed)
        let json = plan.json(commit: source.commit.sha)
        return (selection, tenants, try ReviewedPlan.read(Data(json.utf8), file: "plan.json"))
    }

    @Test func theReviewedPlanIsAppliedExactly() async throws {
        let (repository, pool, reconciler, source) = try await ReviewedPlanTests.priceChangeUnderReview()
        defer { repository.delete() }
        let (selection, tenants, reviewed) = try await ReviewedPlanTests.reviewedPlan(reconciler, source)
        #expect(reviewed.tenants == ["salon-rima"])

        let outcome = try await reconciler.apply(
            tenants,
            commit: source.commit,
            subtrees: selection.subtrees,
            reviewed: reviewed
        )
        #expect(outcome.plan.changes.map(\.auditAction) == ["update_price"])
        #expect(outcome.plan.digest == reviewed.digest)
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM items WHERE key = 'blow-dry' AND price = 16.00"
            ) == 1
        )
    }

    @Test func aStalePlanIsRefusedAndChangesNothing() async throws {
        let (repository, pool, reconciler, source) = try await ReviewedPlanTests.priceChangeUnderReview()
        defer { repository.delete() }
        let (selection, tenants, reviewed) = try await ReviewedPlanTests.reviewedPlan(reconciler, source)

        // Someone changes the tenant's rows after the plan was reviewed.
        try await pool.query(
            PostgresStatement("test.move", "UPDATE items SET price = 99 WHERE key = 'womens-cut'")
        )
        let audits = try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs")
        let error = await #expect(throws: ReconcileError.self) {
            try await reconciler.apply(tenants, commit: source.commit, subtrees: selection.subtrees, reviewed: reviewed)
        }
        #expect(error?.code == .stalePlan)
        #expect(error?.message.contains("database moved since the plan was made (changed: salon-rima)") == true)
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM items WHERE key = 'blow-dry' AND price = 16.00"
            ) == 0
        )
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs") == audits)

        // A plan of another commit is refused too.
        let first = try GitCommitSource(repository: source.repository, revision: "HEAD~1")
        let other = await #expect(throws: ReconcileError.self) {
            try await reconciler.apply(tenants, commit: first.commit, reviewed: reviewed)
        }
        #expect(other?.message.contains("the plan was made at \(source.commit.sha.prefix(12))") == true)
    }

    @Test func aPlanFileOfAnotherVersionOrShapeIsRefused() throws {
        let future = #"{"format_version": 2, "changes": []}"#
        #expect(throws: ReconcileError.self) { try ReviewedPlan.read(Data(future.utf8), file: "p.json") }
        let text = "No changes"
        let error = #expect(throws: ReconcileError.self) { try ReviewedPlan.read(Data(text.utf8), file: "p.json") }
        #expect(error?.message == "p.json is not a JSON plan (write one with talab plan --format json --out FILE)")
    }
}

@Suite struct RemovedTenantTests {
    @Test func aTenantFolderRemovedFromGitIsDeletedOnlyWithAllowDestroyAndComesBackWithItsIDs() async throws {
        let (repository, pool, reconciler, source) = try await ReviewedPlanTests.priceChangeUnderReview()
        defer { repository.delete() }
        let salon = DesiredState.businessID("salon-rima")
        try repository.remove("Tenants/salon-rima")
        try repository.commit("Salon Rima leaves Talab")
        let removal = try GitCommitSource(repository: source.repository, revision: "HEAD")
        let selection = try await TenantSelection.make(
            source: removal,
            tenants: [],
            reconciler: reconciler,
            full: false
        )
        #expect(selection.removed == ["salon-rima"])
        #expect(selection.slugs.isEmpty)

        let error = await #expect(throws: ReconcileError.self) {
            try await reconciler.apply([], commit: removal.commit, removed: selection.removed)
        }
        #expect(error?.message.contains("salon-rima: its folder is gone, so the whole tenant is deleted") == true)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users WHERE deleted_at IS NULL") == 3)

        let outcome = try await reconciler.apply(
            [],
            commit: removal.commit,
            removed: selection.removed,
            allowDestroy: true
        )
        #expect(outcome.plan.changes.allSatisfy { $0.action == .delete && $0.slug == "salon-rima" })
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM users WHERE id = $1 AND deleted_at IS NOT NULL",
                [salon]
            ) == 1
        )
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM items WHERE business_id = $1 AND deleted_at IS NULL",
                [salon]
            ) == 0
        )
        let after = try await TenantSelection.make(source: removal, tenants: [], reconciler: reconciler, full: false)
        #expect(after.removed.isEmpty && after.isUnchanged)

        // Bringing the folder back restores the same rows.
        try repository.git("revert", "--no-edit", "HEAD")
        let (tenants, back) = try ReconcilerTests.tenants(repository)
        let salonTenant = try #require(tenants.first { $0.slug == "salon-rima" })
        let restore = try await reconciler.apply([salonTenant], commit: back)
        // Soft-deleted rows come back with their ids; hours and overrides, deleted for good, are made anew.
        let items = restore.plan.changes.filter { $0.table == .items }
        #expect(!items.isEmpty && items.allSatisfy { $0.action == .restore }, "\(restore.plan.text)")
        #expect(restore.plan.changes.allSatisfy { $0.action == .restore || !$0.table.softDelete })
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users WHERE deleted_at IS NULL") == 3
        )
    }
}

/// `talab plan --format json --out FILE` then `talab apply --plan FILE`, as CI runs them.
@Suite struct ReviewedPlanCommandTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: CrashTests.binary.path), "build talab first"))
    func theCommandsApplyAReviewedPlanAndRefuseAStaleOne() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let url = try await TestCluster.shared.migratedDatabase()
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_MASTER_KEY"] = Data(repeating: 7, count: 32).base64EncodedString()
        environment["TALAB_OBJECTS_DIR"] = ReconcilerTests.objectsFolder.path
        for (name, value) in ReconcilerTests.secrets.values { environment[name] = value }
        let planFile = repository.folder.appendingPathComponent("plan.json").path
        func talab(_ arguments: String...) async throws -> Subprocess.Outcome {
            try await Subprocess.run(
                CrashTests.binary.path,
                arguments + ["--repo", repository.path, "--database-url", url.unredacted],
                environment: environment
            )
        }

        let planned = try await talab("plan", "--format", "json", "--out", planFile)
        #expect(planned.status == 2, "\(planned.output)")
        let applied = try await talab("apply", "--plan", planFile)
        #expect(applied.status == 0, "\(applied.output)")
        #expect(applied.output.contains("Applied"))
        #expect(!applied.output.contains("EAAG-"))

        try ReconcilerTests.replace(
            repository,
            "Tenants/padel-beirut/menus/courts.yaml",
            "price: 40.00",
            "price: 45.00"
        )
        try repository.commit("Padel costs more")
        #expect(try await talab("plan", "--format", "json", "--out", planFile).status == 2)
        try await pool.query(PostgresStatement("test.move", "UPDATE items SET price = 1 WHERE key = 'padel-60'"))
        let stale = try await talab("apply", "--plan", planFile)
        #expect(stale.status == 1)
        #expect(stale.output.contains("the database moved since the plan was made (changed: padel-beirut)"))
        let mixed = try await talab("apply", "--plan", planFile, "--ref", "HEAD")
        #expect(mixed.status == 64, "\(mixed.output)")
    }
}

@Suite struct ImageTests {
    @Test func imagesAreCopiedOnceByBlobIDAndTheirURLsWritten() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-objects-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LocalObjectStore(directory: folder, baseURL: "https://cdn.example.com/talab")
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        let reconciler = ReconcilerTests.reconciler(pool, objects: store)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)

        let first = try await reconciler.apply(tenants, commit: commit)
        #expect(first.imagesCopied == 3)
        let blob = try repository.git("rev-parse", "HEAD:Tenants/abu-salim-grill/images/shawarma.png")
        let url = "https://cdn.example.com/talab/images/\(blob).png"
        let imageURL = PostgresStatement("test.image_url", "SELECT item_image_url FROM items WHERE key = $1")
        #expect(try await pool.query(imageURL, ["chicken-shawarma"]).first?.decode(String?.self, at: 0) == url)
        let stored = try Data(contentsOf: folder.appendingPathComponent("images/\(blob).png"))
        let original = try Data(
            contentsOf: repository.folder.appendingPathComponent("Tenants/abu-salim-grill/images/shawarma.png")
        )
        #expect(stored == original)

        // A price change copies nothing; a new picture is one more object and one changed URL.
        try ReconcilerTests.replace(
            repository,
            "Tenants/abu-salim-grill/menus/main.yaml",
            "price: 3.50\n",
            "price: 3.75\n"
        )
        try repository.commit("Dearer")
        let (dearer, dearerCommit) = try ReconcilerTests.tenants(repository)
        #expect(try await reconciler.apply(dearer, commit: dearerCommit).imagesCopied == 0)

        try repository.write("Tenants/abu-salim-grill/images/shawarma.png", original + Data([0]))
        try repository.commit("New shawarma picture")
        let (pictured, picturedCommit) = try ReconcilerTests.tenants(repository)
        let outcome = try await reconciler.apply(pictured, commit: picturedCommit)
        #expect(outcome.imagesCopied == 1)
        #expect(outcome.plan.changes.map(\.label) == ["item chicken-shawarma"])
        #expect(outcome.plan.changes.first?.fields.map(\.column) == ["item_image_url"])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("images").path)
        #expect(files.count == 4)

        // Without an object store, images cannot be placed: a clear error, not a missing URL.
        let error = await #expect(throws: ReconcileError.self) {
            try await Reconciler(pool: pool, secrets: ReconcilerTests.secrets, sealer: ReconcilerTests.sealer)
                .plan(pictured)
        }
        #expect(error?.code == .missingObjectStore)
    }

    @Test func aKeyThatWouldLeaveTheStoreIsRefused() throws {
        let store = LocalObjectStore(directory: URL(fileURLWithPath: "/tmp/talab-objects-never"))
        for key in ["../etc/passwd", "/etc/passwd", "images/../../x", "images//x", ""] {
            let error = #expect(throws: ObjectStoreError.self) { try store.file(key) }
            #expect(error?.code == .invalidKey)
        }
        #expect(try store.file("images/ab.png").path == "/tmp/talab-objects-never/images/ab.png")
    }
}
