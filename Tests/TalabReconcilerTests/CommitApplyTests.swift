import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// Applying a commit as one use case: what `talab apply` runs, and the dashboard will.
@Suite struct CommitApplyTests {
    static func source(_ repository: TestRepository) throws -> GitCommitSource {
        try GitCommitSource(repository: GitRepository(discoveringFrom: repository.path), revision: "HEAD")
    }

    @Test func aCommitIsAppliedOnceAndOnlyTheTenantItChangedIsComparedAfter() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let reconciler = ReconcilerTests.reconciler(pool)

        let first = try await reconciler.apply(CommitApplyTests.source(repository))
        let created = try #require(first.outcome).plan.count(.create)
        #expect(created > 0 && first.selection.slugs.count == 3)
        let again = try await reconciler.apply(CommitApplyTests.source(repository))
        #expect(again.outcome == nil && again.plan.isEmpty && again.selection.isUnchanged)

        try ReconcilerTests.priceHummus(repository, at: "3.75")
        let sha = try repository.commit("Hummus costs more", author: "Salim Haddad", email: "salim@example.com")
        let changed = try await reconciler.apply(CommitApplyTests.source(repository))
        #expect(changed.selection.slugs == ["abu-salim-grill"])
        let plan = try #require(changed.outcome).plan
        #expect(plan.changes.count == 1 && plan.count(.update) == 1)
        let run = try await pool.query(
            PostgresStatement(
                "test.last_run",
                "SELECT actor_name, outcome, updates FROM reconcile_runs WHERE commit_sha = $1",
                prepared: false
            ),
            [sha]
        )
        #expect(try run.map { try $0.decode(String.self, "actor_name") } == ["Salim Haddad"])
        #expect(try run[0].decode(String.self, "outcome") == "applied" && run[0].decode(Int.self, "updates") == 1)
    }

    @Test func aCommitWhoseTenantDoesNotValidateAppliesNothing() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let reconciler = ReconcilerTests.reconciler(pool)
        try ReconcilerTests.priceHummus(repository, at: "cheap")
        try repository.commit("A price that is not one")
        let error = await #expect(throws: InvalidTenants.self) {
            try await reconciler.apply(CommitApplyTests.source(repository))
        }
        let problem = try #require(error?.validation.errors.first)
        #expect(problem.file == "Tenants/abu-salim-grill/menus/main.yaml" && problem.line == 129)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM reconcile_runs") == 0)
    }
}
