import Foundation
import TalabStore
import TalabTestSupport
import Testing

@Suite struct PoolTests {
    static let createCounter =
        "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0)"
    static let increment = PostgresStatement("test.increment", "UPDATE counter SET n = n + 1 WHERE id = 1")
    static let read = PostgresStatement("test.read", "SELECT n FROM counter WHERE id = 1")

    static func counterPool(max: Int = 2) async throws -> PostgresPool {
        let pool = PostgresPool(url: try await TestCluster.shared.emptyDatabase(), maxConnections: max)
        try await pool.withConnection { try await $0.executeScript(createCounter, name: "test.counter") }
        return pool
    }

    @Test func aTransactionCommitsWhenTheBodyReturns() async throws {
        let pool = try await PoolTests.counterPool()
        let value = try await pool.withTransaction { connection in
            try await connection.query(PoolTests.increment)
            return try await connection.query(PoolTests.read)[0].decode(Int.self, "n")
        }
        #expect(value == 1)
        #expect(try await pool.query(PoolTests.read)[0].decode(Int.self, "n") == 1)
    }

    struct Refusal: Error {}

    @Test func aTransactionRollsBackWhenTheBodyThrows() async throws {
        let pool = try await PoolTests.counterPool()
        await #expect(throws: Refusal.self) {
            try await pool.withTransaction { connection in
                try await connection.query(PoolTests.increment)
                throw Refusal()
            }
        }
        #expect(try await pool.query(PoolTests.read)[0].decode(Int.self, "n") == 0)
    }

    @Test func aConnectionReturnedInsideATransactionIsRolledBack() async throws {
        let pool = try await PoolTests.counterPool(max: 1)
        try await pool.withConnection { connection in
            try await connection.executeScript("BEGIN", name: "test.begin")
            try await connection.query(PoolTests.increment)
        }
        // The same, only connection comes back rolled back: inside the open transaction we would read 1.
        #expect(try await pool.query(PoolTests.read)[0].decode(Int.self, "n") == 0)
    }

    @Test func twoHundredConcurrentQueriesShareFourConnections() async throws {
        let url = try await TestCluster.shared.emptyDatabase()
        // What is checked is the sharing, not the speed: a loaded machine may take long to serve 200.
        let pool = PostgresPool(url: url, maxConnections: 4, acquireTimeout: .seconds(120))
        try await pool.withConnection { try await $0.executeScript(PoolTests.createCounter, name: "test.counter") }
        let backends = PostgresStatement(
            "test.backends",
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'talab'"
        )
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await pool.withConnection { connection in
                        try await connection.query(PoolTests.increment)
                        let rows = try await connection.query(
                            PostgresStatement("test.echo", "SELECT $1::int AS n, pg_sleep(0.001)::text AS slept"),
                            [index]
                        )
                        return try rows[0].decode(Int.self, "n")
                    }
                }
            }
            var seen: [Int] = []
            for try await value in group { seen.append(value) }
            return seen
        }
        #expect(results.sorted() == Array(0..<200))
        #expect(pool.openConnections <= 4)
        #expect(try await pool.query(PoolTests.read)[0].decode(Int.self, "n") == 200)
        #expect(try await pool.query(backends)[0].decode(Int.self, "n") <= 4)
    }

    @Test func aCallerGivesUpWhenNoConnectionFreesInTime() async throws {
        let url = try await TestCluster.shared.serverURL()
        let pool = PostgresPool(url: url, maxConnections: 1, acquireTimeout: .milliseconds(200))
        let started = ContinuousClock.now
        try await pool.withConnection { _ in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query(PostgresStatement("test.one", "SELECT 1"))
            }
            #expect(error?.code == .poolTimeout)
        }
        // Well past 200 ms only on a loaded machine; a waiter that never gave up would hang here.
        #expect(ContinuousClock.now - started < .seconds(30))
        // The pool still works once the connection is back.
        #expect(try await pool.query(PostgresStatement("test.one", "SELECT 1 AS one"))[0].decode(Int.self, "one") == 1)
    }

    @Test func aBrokenConnectionIsReplaced() async throws {
        let url = try await TestCluster.shared.serverURL()
        let pool = PostgresPool(url: url, maxConnections: 1)
        let killer = PostgresPool(url: url, maxConnections: 1)
        let pid = PostgresStatement("test.pid", "SELECT pg_backend_pid() AS pid")
        let terminate = PostgresStatement("test.terminate", "SELECT pg_terminate_backend($1::int, 5000) AS done")
        let first = try await pool.query(pid)[0].decode(Int.self, "pid")
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                #expect(try await killer.query(terminate, [first])[0].decode(Bool.self, "done"))
                try await connection.query(pid)
            }
        }
        #expect(error?.code == .connectionClosed)
        let second = try await pool.query(pid)[0].decode(Int.self, "pid")
        #expect(second != first)
        #expect(pool.openConnections == 1)
    }
}
