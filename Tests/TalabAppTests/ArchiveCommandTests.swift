import Foundation
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// `talab archive` as an operator runs it, killed where it hurts most.
@Suite struct ArchiveCommandTests {
    static var binary: URL { ServeCommandTests.binary }

    /// Runs `talab archive` in batches of two, pausing after each append, and SIGKILLs it once its
    /// first batch's documents are written; whether that moment came and the kill took.
    static func killedAfterAppend(_ url: String, _ environment: [String: String]) async throws -> Bool {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("talab-archive-\(UUID()).log")
        defer { try? FileManager.default.removeItem(at: output) }
        let pid = try Subprocess.spawn(
            binary.path,
            ["archive", "--database-url", url, "--batch", "2", "--pause-after-append", "60"],
            environment: environment,
            output: output.path
        )
        var appended = false
        for _ in 0..<200 where !appended {
            appended = (try? String(contentsOf: output, encoding: .utf8))?.contains("appended 2 documents") == true
            if !appended { try await Task.sleep(for: .milliseconds(100)) }
        }
        kill(pid, SIGKILL)
        return appended && Subprocess.wait(pid) == 128 + SIGKILL
    }

    static func history(_ database: CatalogDatabase) async throws -> Int {
        try await database.count("SELECT count(*)::int FROM history.order_logs")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func aKillBetweenAppendAndDeleteLosesNothingAndTheRerunDoublesNothing() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        var finished: [UUID] = []
        for _ in 0..<5 {
            finished.append(try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 30))
        }
        let live = try await ExampleOrder.finished(store, placement, cart, to: .ready, hoursAgo: 30)
        let url = database.url.unredacted
        #expect(try await ArchiveCommandTests.killedAfterAppend(url, ProcessInfo.processInfo.environment))
        // The batch's documents and deletes were one transaction: all still live, none in the history.
        #expect(try await database.count("SELECT count(*)::int FROM orders") == 6)
        #expect(try await ArchiveCommandTests.history(database) == 0)

        let dry = try await Subprocess.run(
            ArchiveCommandTests.binary.path,
            ["archive", "--database-url", url, "--dry-run", "--older-than", "29h"]
        )
        #expect(dry.output.contains("5 orders finished more than 29h ago would be archived."), "\(dry.output)")
        let rerun = try await Subprocess.run(ArchiveCommandTests.binary.path, ["archive", "--database-url", url])
        #expect(rerun.status == 0 && rerun.output.hasPrefix("Archived 5 orders in "), "\(rerun.output)")
        let left = try await database.pool.query(
            PostgresStatement("test.left", "SELECT id FROM orders", prepared: false)
        )
        #expect(try left.map { try $0.decode(UUID.self, "id") } == [live])
        let archived = try await PostgresLogStore(pool: database.pool).all(
            LogQuery(business: placement.businessID),
            in: .orderLogs
        )
        #expect(archived.count == 5 && Set(archived.map(\.id)) == Set(finished))
        let again = try await Subprocess.run(ArchiveCommandTests.binary.path, ["archive", "--database-url", url])
        let documents = try await ArchiveCommandTests.history(database)
        #expect(again.output.contains("Archived 0 orders") && documents == 5, "\(again.output)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func aDurationThatIsNotOneIsRefused() async throws {
        let outcome = try await Subprocess.run(
            ArchiveCommandTests.binary.path,
            ["archive", "--database-url", "postgres://talab@127.0.0.1:1/talab", "--older-than", "soon"]
        )
        #expect(outcome.status != 0 && outcome.output.contains("--older-than"), "\(outcome.output)")
    }
}

/// `talab serve` archives on its own, every `archiveEvery`.
@Suite struct ServerArchivingTests {
    @Test func theServerArchivesFinishedOrdersAsTheyComeDue() async throws {
        let live = try await LiveServer.start { settings in
            settings.archiveEvery = .milliseconds(100)
            settings.archiveAfter = 3600
            settings.rollupEvery = .milliseconds(100)
        }
        let pool = live.fixture.parts.pool
        let (store, placement, cart) = try await ExampleOrder.on(pool)
        let due = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 2)
        let fresh = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 0)
        let history = PostgresLogStore(pool: pool)
        var archived = false
        for _ in 0..<100 where !archived {
            archived = try await history.document(due, in: .orderLogs) != nil
            if !archived { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(archived)
        let left = try await pool.query(PostgresStatement("test.live_orders", "SELECT id FROM orders", prepared: false))
        #expect(try left.map { try $0.decode(UUID.self, "id") } == [fresh])
        // The rollup of today counts both: the archived one and the live one.
        var rolled = 0
        for _ in 0..<100 where rolled < 2 {
            rolled = try await live.fixture.count(
                "SELECT coalesce(sum(orders_count + cancelled_count), 0)::int FROM daily_business_metrics"
            )
            if rolled < 2 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(rolled == 2)
        try await live.stop()
    }
}
