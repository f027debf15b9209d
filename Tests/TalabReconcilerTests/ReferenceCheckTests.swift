import Foundation
import TalabConfig
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

@testable import TalabReconciler

/// A large apply's new rows go in without PostgreSQL's per-row foreign-key checks, each key checked
/// once over all of them instead: the same rows, the same guarantees, the same error when one fails.
@Suite struct ReferenceCheckTests {
    static let catalogTables = [
        "users", "locations", "branches", "menus", "branch_menus", "items", "item_option_groups", "item_options",
        "item_ingredients", "opening_hours", "date_overrides", "policies",
    ]

    /// Every catalog table's rows as text, ordered, to compare two databases.
    static func contents(_ pool: PostgresPool) async throws -> [String] {
        var contents: [String] = []
        for table in catalogTables {
            let rows = try await pool.query(
                PostgresStatement(
                    "test.contents.\(table)",
                    """
                    SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '') AS rows
                    FROM (SELECT * FROM \(table)) t
                    """,
                    prepared: false
                )
            )
            // Timestamps and sealed secrets (a random nonce each) differ between two applies; nothing else may.
            let text = try rows[0].decode(String.self, "rows")
                .replacing(/\"?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00\"?/, with: "T")
                .replacing(/v1:[A-Za-z0-9+\/=]+/, with: "sealed")
            contents.append(table + ":" + text)
        }
        return contents
    }

    @Test func aLargeApplyWritesTheSameRowsAndMovesTheCatalogVersions() async throws {
        let repository = try ReconcilerTests.exampleRepository()
        defer { repository.delete() }
        let (tenants, commit) = try ReconcilerTests.tenants(repository)
        let perRow = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { perRow.close() }
        let inBulk = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { inBulk.close() }

        let checkedPerRow = try await ReconcilerTests.reconciler(perRow).apply(tenants, commit: commit)
        var bulk = ReconcilerTests.reconciler(inBulk)
        bulk.bulkChecksFrom = 0
        let checkedInBulk = try await bulk.apply(tenants, commit: commit)

        #expect(!checkedPerRow.timings.keysCheckedInBulk && checkedInBulk.timings.keysCheckedInBulk)
        #expect(checkedInBulk.plan.changes.count == checkedPerRow.plan.changes.count)
        #expect(try await ReferenceCheckTests.contents(inBulk) == ReferenceCheckTests.contents(perRow))
        // The version bumps fire with the row checks off (0040), so servers see the new catalog.
        let versions = "SELECT count(*)::int FROM catalog_versions WHERE version > 1"
        #expect(try await ReconcilerTests.count(inBulk, versions) == 3)
        #expect(try await ReconcilerTests.count(perRow, versions) == 3)
        // The checks are on again for everything after the inserts, and after the transaction.
        let mode = try await inBulk.query(
            PostgresStatement(
                "test.mode",
                "SELECT current_setting('session_replication_role') AS mode",
                prepared: false
            )
        )
        #expect(try mode[0].decode(String.self, "mode") == "origin")
        #expect(try await bulk.plan(tenants).isEmpty)
    }

    @Test func aNewRowNamingNoParentFailsNamingTheConstraintAndLeavesNothing() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                let check = try await ReferenceCheck.load(on: connection)
                #expect(try await check.skipRowChecks(inserting: ["items"], on: connection))
                try await connection.executeScript(
                    """
                    INSERT INTO items (business_id, menu_id, key, name, price)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'ghost', 'Ghost', 1)
                    """,
                    name: "test.orphan"
                )
                try await check.check(["items": 1], on: connection)
            }
        }
        #expect(error?.isForeignKeyViolation == true)
        #expect(error?.constraint == "items_business_id_fkey")
        #expect(error?.description.contains("1 key not present in table \"users\"") == true)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
    }

    @Test func newRowsNotFoundAsTheTransactionsOwnAreRefusedNotHalfChecked() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let error = await #expect(throws: ReconcileError.self) {
            try await pool.withTransaction { connection in
                let check = try await ReferenceCheck.load(on: connection)
                #expect(try await check.skipRowChecks(inserting: ["items"], on: connection))
                // Written in a subtransaction: another transaction id than the one the check looks for.
                try await connection.executeScript(
                    """
                    SAVEPOINT s;
                    INSERT INTO items (business_id, menu_id, key, name, price)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'ghost', 'Ghost', 1);
                    RELEASE SAVEPOINT s;
                    """,
                    name: "test.subtransaction"
                )
                try await check.check(["items": 1], on: connection)
            }
        }
        #expect(error?.code == .uncheckedRows)
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items") == 0)
    }

    @Test func anExistingParentIsLockedUntilTheApplyCommits() async throws {
        let (repository, pool, _) = try await ReconcilerTests.appliedExample()
        defer {
            repository.delete()
            pool.close()
        }
        let other = PostgresPool(url: pool.url, maxConnections: 1)
        defer { other.close() }
        let menu = try await pool.query(
            PostgresStatement("test.menu", "SELECT id, business_id FROM menus ORDER BY key LIMIT 1", prepared: false)
        )[0]
        let menuID = try menu.decode(UUID.self, "id")
        let businessID = try menu.decode(UUID.self, "business_id")
        try await pool.withTransaction { connection in
            let check = try await ReferenceCheck.load(on: connection)
            #expect(try await check.skipRowChecks(inserting: ["items"], on: connection))
            try await connection.query(
                PostgresStatement(
                    "test.new_item",
                    "INSERT INTO items (business_id, menu_id, key, name, price) VALUES ($1, $2, 'new', 'New', 1)",
                    prepared: false
                ),
                [businessID, menuID]
            )
            try await check.check(["items": 1], on: connection)
            // Another session cannot remove the menu the new item names before this one commits.
            let error = await #expect(throws: PostgresError.self) {
                try await other.withTransaction { connection in
                    try await connection.executeScript(
                        "SET LOCAL lock_timeout = '200ms'; UPDATE menus SET id = gen_random_uuid() WHERE id = '\(menuID)'",
                        name: "test.move_menu"
                    )
                }
            }
            #expect(error?.sqlState == "55P03")
        }
        #expect(try await ReconcilerTests.count(pool, "SELECT count(*)::int FROM items WHERE key = 'new'") == 1)
    }

    @Test func theRowChecksStayOnForATriggerTheyWouldSkipOrARoleThatMayNot() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        defer { pool.close() }
        try await pool.withConnection { connection in
            let check = try await ReferenceCheck.load(on: connection)
            try await connection.executeScript(
                """
                DO $$ BEGIN CREATE ROLE talab_test_no_replica NOLOGIN; EXCEPTION WHEN duplicate_object THEN END $$;
                GRANT ALL ON ALL TABLES IN SCHEMA public TO talab_test_no_replica;
                BEGIN;
                SET LOCAL ROLE talab_test_no_replica;
                """,
                name: "test.role"
            )
            #expect(try await check.skipRowChecks(inserting: ["items"], on: connection) == false)
            try await connection.executeScript(
                """
                ROLLBACK;
                CREATE FUNCTION test_note() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
                CREATE TRIGGER items_note AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION test_note();
                BEGIN;
                """,
                name: "test.trigger"
            )
            #expect(try await check.skipRowChecks(inserting: ["items"], on: connection) == false)
            #expect(try await check.skipRowChecks(inserting: ["menus"], on: connection))
            try await connection.executeScript("ROLLBACK", name: "test.rollback")
        }
    }
}
