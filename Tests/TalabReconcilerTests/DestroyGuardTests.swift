import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

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
