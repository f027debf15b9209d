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

    /// Sets the hummus's price (3.50 in the example restaurant's main menu) in the working tree.
    static func priceHummus(_ repository: TestRepository, at price: String) throws {
        try replace(repository, "Tenants/abu-salim-grill/menus/main.yaml", "    price: 3.50\n", "    price: \(price)\n")
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

        try ReconcilerTests.priceHummus(repository, at: "3.75")
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
