import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// Applies tenant repositories made in the test to a migrated database of its own.
@Suite struct ReconcilerTests {
    static let projectTenants = ExampleCatalog.projectFolder
        .appendingPathComponent("Tenants")

    /// The tokens the example tenants name, as a test's own secrets, and a fresh master key.
    static let secrets = StaticSecrets(values: [
        "ABU_SALIM_WA_TOKEN": "EAAG-abu-salim-test-token", "ABU_SALIM_HAMRA_WA_TOKEN": "EAAG-hamra-test-token",
        "PADEL_FIVE_WA_TOKEN": "EAAG-padel-test-token", "SALON_RIMA_WA_TOKEN": "EAAG-salon-test-token",
    ])
    static let sealer = try! SecretSealer(
        base64Key: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    )

    /// The object store of this test process, removed when it exits.
    static let objects: LocalObjectStore = {
        atexit { try? FileManager.default.removeItem(at: ReconcilerTests.objectsFolder) }
        return LocalObjectStore(directory: objectsFolder)
    }()
    static let objectsFolder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "talab-test-objects-\(getpid())"
    )

    static func reconciler(
        _ pool: PostgresPool,
        secrets: StaticSecrets = secrets,
        objects: LocalObjectStore = objects
    ) -> Reconciler {
        Reconciler(pool: pool, secrets: secrets, sealer: sealer, objects: objects)
    }

    /// The example tenants in a repository of their own, applied to a migrated database of their own.
    static func appliedExample() async throws -> (TestRepository, PostgresPool, Reconciler) {
        let repository = try exampleRepository()
        do {
            let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
            let reconciler = reconciler(pool)
            let (tenants, commit) = try ReconcilerTests.tenants(repository)
            _ = try await reconciler.apply(tenants, commit: commit)
            return (repository, pool, reconciler)
        } catch {
            // The caller's `defer` is not in place yet: clean up here.
            repository.delete()
            throw error
        }
    }

    /// A repository holding a copy of the example tenants, committed by Rima.
    static func exampleRepository() throws -> TestRepository {
        let repository = try TestRepository()
        try FileManager.default.copyItem(at: projectTenants, to: repository.folder.appendingPathComponent("Tenants"))
        try repository.commit("Add the example tenants")
        return repository
    }

    static func tenants(_ repository: TestRepository, _ revision: String = "HEAD") throws -> ([TenantConfig], GitCommit)
    {
        let git = try GitRepository(discoveringFrom: repository.path)
        let source = try GitCommitSource(repository: git, revision: revision)
        let validation = try TenantLoader().load(from: source)
        #expect(validation.isValid, "\(validation.errors)")
        return (validation.tenants, source.commit)
    }

    static func count(_ pool: PostgresPool, _ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> Int
    {
        try await pool.query(PostgresStatement("test.count", sql, prepared: false), bindings)[0].decode(Int.self, at: 0)
    }

    static func replace(_ repository: TestRepository, _ path: String, _ old: String, _ new: String) throws {
        let url = repository.folder.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old))
        try Data(text.replacingOccurrences(of: old, with: new).utf8).write(to: url)
    }

    @Test func aFirstApplyCreatesEverythingAndASecondPlanIsEmpty() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        let reconciler = ReconcilerTests.reconciler(pool)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)

        let outcome = try await reconciler.apply(tenants, commit: commit)
        #expect(outcome.plan.count(.create) == outcome.plan.changes.count)
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users WHERE user_type = 'business'") == 3
        )
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM branches") == 4)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 43)
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs")
                == outcome.plan.changes.count
        )
        let hamra = try await pool.query(
            PostgresStatement(
                "test.hamra",
                "SELECT delivery_fee_rules::text AS rules, whatsapp_phone_number_id FROM branches WHERE key = 'hamra'"
            )
        )
        #expect(try hamra[0].decode(String.self, "whatsapp_phone_number_id") == "106540352242999")
        let friday = try await pool.query(
            PostgresStatement(
                "test.friday",
                "SELECT open_time::text AS open, close_time::text AS close FROM opening_hours WHERE day_of_week = 'friday' AND owner_type = 'business' AND business_id = (SELECT id FROM users WHERE slug = 'abu-salim-grill')"
            )
        )
        #expect(try friday[0].decode(String.self, "open") == "11:00:00")
        #expect(try friday[0].decode(String.self, "close") == "02:00:00")

        let again = try await reconciler.plan(tenants)
        #expect(again.isEmpty, "\(again.text)")
        #expect(again.text.hasPrefix("No changes"))
    }

    @Test func aPriceChangeIsOneUpdateAuditedAsItsCommitAuthor() async throws {
        let (repository, pool, reconciler) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }

        try ReconcilerTests.replace(
            repository,
            "Tenants/abu-salim-grill/menus/main.yaml",
            "    price: 3.50\n",
            "    price: 3.75\n"
        )
        let sha = try repository.commit("Hummus costs more", author: "Salim Haddad", email: "salim@example.com")
        let (changed, newCommit) = try ReconcilerTests.tenants(repository)
        let plan = try await reconciler.plan(changed)
        #expect(plan.changes.count == 1)
        let change = try #require(plan.changes.first)
        #expect(change.label == "item hummus")
        #expect(
            change.fields == [
                FieldChange(
                    column: "price",
                    old: .decimal(Decimal(string: "3.50")!),
                    new: .decimal(Decimal(string: "3.75")!)
                )
            ]
        )
        #expect(plan.text.contains("price: 3.5 → 3.75"))

        _ = try await reconciler.apply(changed, commit: newCommit)
        let audit = try await pool.query(
            PostgresStatement(
                "test.audit",
                "SELECT actor_name, actor_email, commit_sha, file, line, after->>'price' AS price FROM audit.audit_logs WHERE action = 'update_price'"
            )
        )
        #expect(audit.count == 1)
        #expect(try audit[0].decode(String.self, "actor_name") == "Salim Haddad")
        #expect(try audit[0].decode(String?.self, "actor_email") == "salim@example.com")
        #expect(try audit[0].decode(String?.self, "commit_sha") == sha)
        #expect(try audit[0].decode(String?.self, "file") == "Tenants/abu-salim-grill/menus/main.yaml")
        #expect(try audit[0].decode(Int?.self, "line") == change.row.source?.line)
        #expect(try audit[0].decode(String?.self, "price") == "3.75")
        #expect(try await reconciler.plan(changed).isEmpty)

        // "Who changed the price of the hummus, when, in which commit?"
        let history = try await AuditLog(pool: pool).entries(.init(tenant: "abu-salim-grill", entity: change.id))
        #expect(history.map(\.action) == ["create_item", "update_price"])
        let last = try #require(history.last)
        #expect(last.actorName == "Salim Haddad")
        #expect(last.commitSHA == sha)
        #expect(last.changes.map(\.field) == ["price"])
        #expect(
            last.text.contains(
                "update_price item in abu-salim-grill (commit \(sha.prefix(12)), Tenants/abu-salim-grill/menus/main.yaml:"
            )
        )
        #expect(last.text.hasSuffix("price: 3.5 → 3.75"))
        #expect(try await AuditLog(pool: pool).entries(.init(tenant: "padel-beirut", entity: change.id)).isEmpty)
    }

    @Test func removingAndReAddingAnItemRestoresTheSameRow() async throws {
        let (repository, pool, reconciler) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        let idBefore = try await pool.query(
            PostgresStatement("test.water", "SELECT id FROM items WHERE key = 'water'")
        )[0]
        .decode(UUID.self, "id")

        let water =
            "  - key: water\n    name: Water (500 ml)\n    translations: { arabic: مي, french: Eau }\n    aliases: [mayy, mai, miyye]\n    price: 0.75\n    tags: [drinks]\n"
        try ReconcilerTests.replace(repository, "Tenants/abu-salim-grill/menus/main.yaml", water, "")
        try repository.commit("No more water")
        let (without, removal) = try ReconcilerTests.tenants(repository)
        let plan = try await reconciler.apply(without, commit: removal).plan
        // The two items after it move up one place: position-only updates.
        #expect(plan.changes.filter { $0.action == .delete }.map(\.label) == ["item water"])
        #expect(plan.changes.filter { $0.action == .update }.allSatisfy { $0.fields.map(\.column) == ["position"] })
        #expect(plan.count(.update) == 2)
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM items WHERE key = 'water' AND deleted_at IS NOT NULL"
            ) == 1
        )

        try repository.git("revert", "--no-edit", "HEAD")
        let (with, readd) = try ReconcilerTests.tenants(repository)
        let restore = try await reconciler.apply(with, commit: readd).plan
        #expect(restore.changes.filter { $0.action == .restore }.map(\.label) == ["item water"])
        #expect(restore.count(.update) == 2)
        let idAfter = try await pool.query(
            PostgresStatement("test.water.after", "SELECT id FROM items WHERE key = 'water' AND deleted_at IS NULL")
        )[0].decode(UUID.self, "id")
        #expect(idAfter == idBefore)
    }

    @Test func aFailedApplyLeavesNoTraceButARecordOfTheRun() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        // A business created outside git already holds the number one tenant claims.
        try await pool.query(
            PostgresStatement(
                "test.squatter",
                "INSERT INTO users (user_type, slug, business_name, business_type, currency, whatsapp_phone_number_id) VALUES ('business', 'squatter', 'Squatter', 'other', 'USD', '106540352243200')"
            )
        )
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let error = await #expect(throws: PostgresError.self) {
            try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit)
        }
        #expect(error?.isUniqueViolation == true)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users") == 1)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs") == 0)
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM reconcile_runs WHERE outcome = 'failed' AND commit_sha = $1",
                [commit.sha]
            ) == 1
        )
    }

    @Test func twoConcurrentAppliesTakeTurns() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 4)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let plans = try await withThrowingTaskGroup(of: Plan.self) { group in
            for _ in 0..<2 {
                group.addTask { try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit).plan }
            }
            var plans: [Plan] = []
            for try await plan in group { plans.append(plan) }
            return plans
        }
        #expect(plans.filter(\.isEmpty).count == 1)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 43)
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM reconcile_runs WHERE outcome = 'no_changes'"
            ) == 1
        )
    }

    @Test func theAuditLogRefusesUpdateAndDelete() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        try await pool.query(
            PostgresStatement(
                "test.audit.insert",
                "INSERT INTO audit.audit_logs (actor_name, action, entity_type) VALUES ('Rima', 'create_item', 'item')"
            )
        )
        for statement in [
            "UPDATE audit.audit_logs SET actor_name = 'Mallory'", "DELETE FROM audit.audit_logs",
            "TRUNCATE audit.audit_logs",
        ] {
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try await $0.executeScript(statement, name: "test.tamper") }
            }
            #expect(error?.sqlState == "42501")
            #expect(error?.message.contains("append-only") == true)
        }
        #expect(
            try await ReconcilerTests.count(
                pool,
                "SELECT count(*)::int FROM audit.audit_logs WHERE actor_name = 'Rima'"
            ) == 1
        )
    }

    @Test func stableIDsFollowRFC9562AndTheKeyNotTheName() {
        let id = StableID.make("abu-salim-grill/item/hummus")
        #expect(id == StableID.make("abu-salim-grill/item/hummus"))
        #expect(id != StableID.make("abu-salim-grill/item/moutabal"))
        let text = id.uuidString
        #expect(text[text.index(text.startIndex, offsetBy: 14)] == "5")
        #expect("89AB".contains(text[text.index(text.startIndex, offsetBy: 19)]))
    }
}

@Suite struct IncrementalPlanTests {
    @Test func onlyTenantsChangedInGitOrInTheDatabaseAreCompared() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        let reconciler = ReconcilerTests.reconciler(pool)
        let git = try GitRepository(discoveringFrom: repository.path)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let subtrees = try git.entries(at: commit, in: TenantLoader.folder)
        #expect(try await reconciler.tenantsToCompare(subtrees: subtrees) == Set(subtrees.keys))
        _ = try await reconciler.apply(tenants, commit: commit, subtrees: subtrees)
        #expect(try await reconciler.tenantsToCompare(subtrees: subtrees).isEmpty)

        try ReconcilerTests.replace(
            repository,
            "Tenants/salon-rima/menus/services.yaml",
            "price: 15.00",
            "price: 16.00"
        )
        let changed = try git.commit(repository.commit("Blow-dry costs more"))
        let newSubtrees = try git.entries(at: changed, in: TenantLoader.folder)
        #expect(try await reconciler.tenantsToCompare(subtrees: newSubtrees) == ["salon-rima"])

        // A change made in the database, outside git, is noticed too.
        try await pool.query(PostgresStatement("test.drift", "UPDATE items SET price = 99 WHERE key = 'padel-60'"))
        #expect(try await reconciler.tenantsToCompare(subtrees: newSubtrees) == ["salon-rima", "padel-beirut"])
        #expect(try await reconciler.drifted(subtrees: newSubtrees) == ["padel-beirut"])
        let padel = try #require(tenants.first { $0.slug == "padel-beirut" })
        let drift = try await reconciler.plan([padel])
        #expect(drift.changes.map(\.label) == ["item padel-60"])
        #expect(drift.changes.first?.fields.map(\.column) == ["price"])
    }
}

extension IncrementalPlanTests {
    /// A token changed only in the environment moves nothing in git or in the rows (the stored
    /// value is sealed): the keyed digest of the tenant's secrets is what notices it.
    @Test func aRotatedOrMissingSecretIsNoticedWithoutAnyCommit() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let git = try GitRepository(discoveringFrom: repository.path)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let subtrees = try git.entries(at: commit, in: TenantLoader.folder)
        _ = try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit, subtrees: subtrees)
        #expect(try await ReconcilerTests.reconciler(pool).tenantsToCompare(subtrees: subtrees).isEmpty)
        // No secret, digest or token in the state: only names and a keyed digest.
        let state = try await pool.query(
            PostgresStatement(
                "test.state",
                "SELECT string_agg(secret_names::text || secrets_digest, ' ') AS s FROM tenant_reconcile_state",
                prepared: false
            )
        )[0].decode(String.self, "s")
        #expect(state.contains("PADEL_FIVE_WA_TOKEN"))
        #expect(!ExampleCatalog.tokens.values.contains { state.contains($0) })

        var rotated = ExampleCatalog.tokens
        rotated["PADEL_FIVE_WA_TOKEN"] = "EAAG-padel-rotated"
        let afterRotation = ReconcilerTests.reconciler(pool, secrets: StaticSecrets(values: rotated))
        #expect(try await afterRotation.tenantsToCompare(subtrees: subtrees) == ["padel-beirut"])
        let padel = try #require(tenants.first { $0.slug == "padel-beirut" })
        let plan = try await afterRotation.plan([padel])
        #expect(
            plan.changes.count == 1 && plan.changes.first?.fields.map(\.column) == ["whatsapp_access_token_encrypted"]
        )
        // Applied, the new token is remembered: nothing to compare any more.
        _ = try await afterRotation.apply(
            [padel],
            commit: commit,
            subtrees: subtrees.filter { $0.key == "padel-beirut" }
        )
        #expect(try await afterRotation.tenantsToCompare(subtrees: subtrees).isEmpty)

        // A variable gone from the environment: the tenant is compared, and the plan says what is missing.
        var missing = rotated
        missing["SALON_RIMA_WA_TOKEN"] = nil
        let withoutSalon = ReconcilerTests.reconciler(pool, secrets: StaticSecrets(values: missing))
        #expect(try await withoutSalon.tenantsToCompare(subtrees: subtrees) == ["salon-rima"])
        let salon = try #require(tenants.first { $0.slug == "salon-rima" })
        await #expect(throws: ReconcileError.self) { try await withoutSalon.plan([salon]) }
    }
}

@Suite struct CatalogVersionTests {
    @Test func everyWriteToATenantsRowsMovesItsVersionOnceAndNothingElseDoes() async throws {
        let (repository, pool, _) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        let salon = DesiredState.businessID("salon-rima")
        func version() async throws -> Int {
            try await ReconcilerTests.count(
                pool,
                "SELECT version::int FROM catalog_versions WHERE business_id = $1",
                [salon]
            )
        }
        func run(_ sql: String) async throws {
            try await pool.query(PostgresStatement("test.write", sql, prepared: false))
        }
        let start = try await version()
        // A child row reaches its business through its item; a statement of many rows counts once.
        try await run("UPDATE item_options SET price_delta = price_delta + 1 WHERE key IN ('short', 'long')")
        #expect(try await version() == start + 1)
        try await run(
            "DELETE FROM branch_menus WHERE branch_id IN (SELECT id FROM branches WHERE business_id = '\(salon.lowercasedText)')"
        )
        #expect(try await version() == start + 2)
        // A customer's delivery address belongs to no business.
        try await run("INSERT INTO locations (city) VALUES ('Beirut')")
        #expect(try await version() == start + 2)
    }
}

@Suite struct DestroyGuardTests {
    @Test func removingABranchOrManyItemsNeedsAllowDestroy() async throws {
        let (repository, pool, reconciler) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }

        try repository.remove("Tenants/abu-salim-grill/branches/achrafieh.yaml")
        try repository.remove("Tenants/abu-salim-grill/menus/breakfast.yaml")
        try ReconcilerTests.replace(
            repository,
            "Tenants/abu-salim-grill/branches/hamra.yaml",
            "menus: [main, breakfast]",
            "menus: [main]"
        )
        let (fewer, removal) = try ReconcilerTests.tenants(
            repository.commitReturningSelf("Close Achrafieh, drop breakfast")
        )
        let plan = try await reconciler.plan(fewer)
        #expect(
            plan.destructive == [
                "abu-salim-grill: it deletes branch achrafieh",
                "abu-salim-grill: it deletes 8 of 33 items (more than 20 %)",
            ]
        )
        #expect(plan.text.contains("applying it needs --allow-destroy"))
        let error = await #expect(throws: ReconcileError.self) { try await reconciler.apply(fewer, commit: removal) }
        #expect(error?.code == .destructivePlan)
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM branches WHERE deleted_at IS NULL") == 4
        )

        let applied = try await reconciler.apply(fewer, commit: removal, allowDestroy: true)
        #expect(applied.plan.count(.delete) > 8)
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM branches WHERE deleted_at IS NULL") == 3
        )
        #expect(
            try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items WHERE deleted_at IS NOT NULL") == 8
        )
        #expect(try await reconciler.plan(fewer).isEmpty)
    }

    @Test func deletingMoreThanAFifthOfTheItemsIsDestructive() async throws {
        let (repository, _, reconciler) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        let courts = "Tenants/padel-beirut/menus/courts.yaml"
        let text = try String(contentsOf: repository.folder.appendingPathComponent(courts), encoding: .utf8)
        let kept = text.components(separatedBy: "  - key: football-60")[0]
        try repository.write(courts, kept)
        let (fewer, _) = try ReconcilerTests.tenants(repository.commitReturningSelf("Padel only"))
        let plan = try await reconciler.plan(fewer)
        #expect(plan.destructive == ["padel-beirut: it deletes 2 of 4 items (more than 20 %)"])
    }
}

extension TestRepository {
    /// Commits and hands the repository back, to read the new commit in one expression.
    func commitReturningSelf(_ message: String) throws -> TestRepository {
        try commit(message)
        return self
    }
}

@Suite struct RenameTests {
    @Test func aRenameWithRenamedFromKeepsTheItemAndItsOptions() async throws {
        let (repository, pool, reconciler) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        let ids = PostgresStatement(
            "test.shawarma_ids",
            "SELECT i.id AS item, o.id AS option FROM items i JOIN item_options o ON o.item_id = i.id WHERE i.key = $1 AND o.key = 'no-toum'"
        )
        let before = try await pool.query(ids, ["chicken-shawarma"])[0]

        try ReconcilerTests.replace(
            repository,
            "Tenants/abu-salim-grill/menus/main.yaml",
            "  - key: chicken-shawarma\n",
            "  - key: shawarma-djej\n    renamed_from: chicken-shawarma\n"
        )
        let (renamed, renaming) = try ReconcilerTests.tenants(repository.commitReturningSelf("Call it shawarma djej"))
        let plan = try await reconciler.apply(renamed, commit: renaming).plan
        #expect(plan.changes.map(\.label) == ["item shawarma-djej"])
        #expect(plan.changes.first?.action == .update)
        #expect(plan.changes.first?.fields.map(\.column) == ["key"])
        let after = try await pool.query(ids, ["shawarma-djej"])[0]
        #expect(try after.decode(UUID.self, "item") == before.decode(UUID.self, "item"))
        #expect(try after.decode(UUID.self, "option") == before.decode(UUID.self, "option"))
        #expect(try await reconciler.plan(renamed).isEmpty)
    }
}

/// Secrets a test sets for itself, instead of the process environment that tests share.
@Suite struct SecretTests {
    @Test func tokensAreStoredSealedAndNeverShown() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let outcome = try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit)
        let stored = try await pool.query(
            PostgresStatement(
                "test.token",
                "SELECT whatsapp_access_token_encrypted AS token FROM users WHERE slug = 'abu-salim-grill'"
            )
        )[0].decode(String.self, "token")
        #expect(stored.hasPrefix("v1:"))
        #expect(!stored.contains("abu-salim-test-token"))
        #expect(ReconcilerTests.sealer.open(stored) == "EAAG-abu-salim-test-token")
        let audit = try await pool.query(
            PostgresStatement("test.audit_text", "SELECT string_agg(after::text, ' ') AS all FROM audit.audit_logs")
        )
        let everything = try audit[0].decode(String.self, "all") + outcome.plan.text
        for token in ReconcilerTests.secrets.values.values { #expect(!everything.contains(token)) }

        // The same token: no change, although every sealing differs.
        #expect(try await ReconcilerTests.reconciler(pool).plan(tenants).isEmpty)
        var rotated = ReconcilerTests.secrets
        rotated.values["PADEL_FIVE_WA_TOKEN"] = "EAAG-padel-rotated"
        let rotation = try await ReconcilerTests.reconciler(pool, secrets: rotated).plan(tenants)
        #expect(rotation.changes.map(\.label) == ["business padel-beirut"])
        #expect(rotation.text.contains("whatsapp_access_token_encrypted: (sensitive value changed)"))
        #expect(!rotation.text.contains("rotated"))
    }

    @Test func aMissingSecretIsOneClearErrorNamingWhereItIsUsed() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        var partial = ReconcilerTests.secrets
        partial.values["SALON_RIMA_WA_TOKEN"] = nil
        let error = await #expect(throws: ReconcileError.self) {
            try await ReconcilerTests.reconciler(pool, secrets: partial).apply(tenants, commit: commit)
        }
        #expect(error?.code == .missingSecret)
        #expect(
            error?.message
                == "secrets are not set: environment variable SALON_RIMA_WA_TOKEN (named at Tenants/salon-rima/business.yaml:11)"
        )
        let short = #expect(throws: SecretError.self) { try SecretSealer(base64Key: "c2hvcnQ=") }
        #expect(short?.code == .invalidMasterKey)
    }
}

@Suite struct PlanJSONTests {
    @Test func theJSONPlanHasAVersionTheFieldsAndNoSecret() async throws {
        let (repository, pool, _) = try await ReconcilerTests.appliedExample()
        defer { repository.delete() }
        try ReconcilerTests.replace(
            repository,
            "Tenants/abu-salim-grill/menus/main.yaml",
            "    price: 3.50\n",
            "    price: 3.75\n"
        )
        let (tenants, commit) = try ReconcilerTests.tenants(repository.commitReturningSelf("Hummus up"))
        var rotated = ReconcilerTests.secrets
        rotated.values["ABU_SALIM_WA_TOKEN"] = "EAAG-rotated-secret"
        let plan = try await ReconcilerTests.reconciler(pool, secrets: rotated).plan(tenants)
        let json = plan.json(commit: commit.sha)
        #expect(!json.contains("EAAG-rotated-secret"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["format_version"] as? Int == 1)
        #expect(document["commit"] as? String == commit.sha)
        #expect((document["summary"] as? [String: Int])?["update"] == 2)
        let changes = try #require(document["changes"] as? [[String: Any]])
        let price = try #require(changes.first { $0["audit_action"] as? String == "update_price" })
        #expect(price["label"] as? String == "item hummus")
        #expect(price["file"] as? String == "Tenants/abu-salim-grill/menus/main.yaml")
        let fields = try #require(price["fields"] as? [[String: Any]])
        #expect(fields.first?["old"] as? String == "3.5")
        #expect(fields.first?["new"] as? String == "3.75")
        let token = try #require(changes.first { $0["label"] as? String == "business abu-salim-grill" })
        #expect((token["fields"] as? [[String: Any]])?.first?["new"] as? String == "(sensitive)")
    }
}

@Suite struct PlanMarkdownTests {
    @Test func aMarkdownPlanSummarisesFoldsAndStaysUnderTheCommentLimit() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let plan = try await ReconcilerTests.reconciler(pool).plan(tenants)
        let markdown = plan.markdown(commit: commit.sha)
        #expect(markdown.hasPrefix("### Talab plan at `\(commit.sha.prefix(12))`"))
        #expect(markdown.contains("| abu-salim-grill | 120 | 0 | 0 | 0 |"))
        #expect(markdown.contains("<details><summary>padel-beirut:"))
        #expect(markdown.contains("+ item padel-60"))
        #expect(markdown.count <= Plan.commentLimit)

        let short = plan.markdown(commit: commit.sha, limit: 3_000)
        #expect(short.count <= 3_000)
        #expect(short.contains("| salon-rima |"))
        #expect(short.contains("the details of 3 tenants are left out"))
        #expect(short.contains("talab plan --format json"))
    }
}

@Suite struct LockTests {
    @Test func anApplyThatCannotGetTheLockSaysWhoHoldsIt() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let url = try await TestCluster.shared.migratedDatabase()
        let pool = PostgresPool(url: url, maxConnections: 2)
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let holder = try await PostgresConnection.connect(url)
        try await holder.executeScript(
            "BEGIN; SET LOCAL application_name = 'talab apply 1234abcd by Rima'; SELECT pg_advisory_xact_lock(7150421338)",
            name: "test.hold"
        )
        let error = await #expect(throws: ReconcileError.self) {
            try await ReconcilerTests.reconciler(pool).apply(tenants, commit: commit, lockTimeout: .milliseconds(300))
        }
        #expect(error?.code == .lockTimeout)
        #expect(
            error?.message.hasPrefix("another apply holds the lock (talab apply 1234abcd by Rima since 20") == true,
            "\(error?.message ?? "")"
        )
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)

        try await holder.executeScript("COMMIT", name: "test.release")
        let outcome = try await ReconcilerTests.reconciler(pool).apply(
            tenants,
            commit: commit,
            lockTimeout: .seconds(60)
        )
        #expect(outcome.plan.count(.create) > 0)
    }
}

/// Runs the real `talab` binary and kills it in the middle of an apply.
@Suite struct CrashTests {
    static var binary: URL {
        ExampleCatalog.projectFolder
            .appendingPathComponent(".build/debug/talab")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func anApplyKilledMidwayLeavesTheDatabaseAsItWas() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let url = try await TestCluster.shared.migratedDatabase()
        let pool = PostgresPool(url: url, maxConnections: 2)
        // Freeze the apply inside its transaction: it writes the catalog, then waits for the audit table.
        let blocker = try await PostgresConnection.connect(url)
        try await blocker.executeScript(
            "BEGIN; LOCK TABLE audit.audit_logs IN ACCESS EXCLUSIVE MODE",
            name: "test.block"
        )

        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_MASTER_KEY"] = Data(repeating: 9, count: 32).base64EncodedString()
        environment["TALAB_OBJECTS_DIR"] = ReconcilerTests.objectsFolder.path
        for (name, value) in ReconcilerTests.secrets.values { environment[name] = value }
        let pid = try Subprocess.spawn(
            CrashTests.binary.path,
            ["apply", "--repo", repository.path, "--database-url", url.unredacted],
            environment: environment
        )

        let waiting = PostgresStatement(
            "test.waiting",
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audit.audit_logs%'"
        )
        var blocked = false
        for _ in 0..<300 where !blocked {
            blocked = try await pool.query(waiting)[0].decode(Int.self, "n") == 1
            if !blocked { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(blocked, "the apply never reached the audit table")
        kill(pid, SIGKILL)
        Subprocess.wait(pid)
        try await blocker.executeScript("COMMIT", name: "test.unblock")

        // The server rolls back the dead session's transaction: nothing of it is visible.
        var gone = false
        for _ in 0..<100 where !gone {
            gone = try await pool.query(waiting)[0].decode(Int.self, "n") == 0
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM users") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM audit.audit_logs") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM tenant_reconcile_state") == 0)
    }
}
