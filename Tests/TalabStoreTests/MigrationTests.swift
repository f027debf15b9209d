import Foundation
import TalabStore
import TalabTestSupport
import Testing

@Suite struct MigrationTests {
    static let count = PostgresStatement("test.migrations", "SELECT count(*)::int AS n FROM schema_migrations")

    /// A folder of migration files written by the test.
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-migrations-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, sql) in files {
            try Data(sql.utf8).write(to: folder.appendingPathComponent(name))
        }
        return folder
    }

    @Test func theProjectMigrationsApplyAndASecondRunIsANoOp() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        let migrator = Migrator(migrations: try TestCluster.migrations())
        #expect(try await migrator.status(url).allSatisfy { $0.state == .pending })
        let applied = try await migrator.migrate(url)
        #expect(applied == migrator.migrations.map(\.fileName))
        #expect(applied.first == "0001_catalog.sql")
        #expect(try await migrator.migrate(url).isEmpty)
        let status = try await migrator.status(url)
        #expect(status.count == migrator.migrations.count)
        #expect(status.allSatisfy { $0.state == .applied && $0.appliedAt != nil })
    }

    @Test func aChangedAppliedFileIsRefused() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        let folder = try MigrationTests.folder(["0001_menus.sql": "CREATE TABLE menus (id int);"])
        defer { try? FileManager.default.removeItem(at: folder) }
        try await Migrator(migrations: Migration.load(from: folder)).migrate(url)
        try Data("CREATE TABLE menus (id bigint);".utf8).write(to: folder.appendingPathComponent("0001_menus.sql"))
        let migrator = Migrator(migrations: try Migration.load(from: folder))
        let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(url) }
        #expect(error?.code == .changedAfterApply)
        #expect(error?.message.hasPrefix("0001_menus.sql was changed after it was applied") == true)
        #expect(try await migrator.status(url).map(\.state) == [.changed])
    }

    @Test func aFailingMigrationLeavesThePreviousVersionAndNamesTheFileAndLine() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        let folder = try MigrationTests.folder([
            "0001_menus.sql": "CREATE TABLE menus (id int PRIMARY KEY);",
            "0002_items.sql": """
            CREATE TABLE items (id int PRIMARY KEY);
            INSERT INTO items VALUES (1);
            INSERT INTO itemz VALUES (2);
            """,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let migrator = Migrator(migrations: try Migration.load(from: folder))
        let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(url) }
        #expect(error?.code == .failed)
        #expect(
            error?.message.hasPrefix("0002_items.sql:3: migration failed: ERROR 42P01:") == true,
            "\(error?.message ?? "")"
        )
        #expect(error?.message.contains("itemz") == true)
        let pool = PostgresPool(url: url, maxConnections: 1)
        #expect(try await pool.query(MigrationTests.count)[0].decode(Int.self, "n") == 1)
        let items = try await pool.query(PostgresStatement("test.items", "SELECT to_regclass('items')::text AS t"))
        #expect(try items[0].decode(String?.self, "t") == nil)
        #expect(try await migrator.status(url).map(\.state) == [.applied, .pending])
    }

    @Test func concurrentRunsApplyEachFileOnce() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        let migrator = Migrator(migrations: try TestCluster.migrations())
        let runs = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<3 { group.addTask { try await migrator.migrate(url) } }
            var runs: [[String]] = []
            for try await applied in group { runs.append(applied) }
            return runs
        }
        #expect(runs.flatMap { $0 }.sorted() == migrator.migrations.map(\.fileName).sorted())
        let pool = PostgresPool(url: url, maxConnections: 1)
        #expect(try await pool.query(MigrationTests.count)[0].decode(Int.self, "n") == migrator.migrations.count)
    }

    @Test func aBadlyNamedFileIsRefusedBeforeAnythingRuns() throws {
        let folder = try MigrationTests.folder(["0001_ok.sql": "SELECT 1;", "2_Bad Name.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: MigrationError.self) { try Migration.load(from: folder) }
        #expect(error?.code == .invalidFileName)
        let twins = try MigrationTests.folder(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(at: twins) }
        #expect(throws: MigrationError.self) { try Migration.load(from: twins) }
    }

    @Test func aFileRemovedAfterApplyIsReportedMissing() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        let folder = try MigrationTests.folder([
            "0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        try await Migrator(migrations: Migration.load(from: folder)).migrate(url)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0002_b.sql"))
        let status = try await Migrator(migrations: Migration.load(from: folder)).status(url)
        #expect(status.map(\.state) == [.applied, .missing])
        #expect(status.last?.fileName == "0002_b.sql")
    }
}
