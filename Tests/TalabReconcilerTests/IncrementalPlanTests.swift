import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

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
