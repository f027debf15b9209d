import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// libpq's pipeline mode through `PostgresConnection.pipeline` and the writes a transaction queues.
@Suite struct PipelineTests {
    static let insert = PostgresStatement(
        "test.pipeline_insert",
        "INSERT INTO notes (n, text) VALUES ($1, $2) RETURNING n"
    )
    static let count = PostgresStatement("test.pipeline_count", "SELECT count(*)::int AS n FROM notes")
    static let transactionID = PostgresStatement("test.pipeline_txid", "SELECT txid_current()::text AS id")
    static let failing = PostgresStatement("test.pipeline_failing", "INSERT INTO notes (n, text) VALUES ($1, NULL)")

    static func pool() async throws -> PostgresPool {
        let pool = PostgresPool(url: try await TestCluster.shared.emptyDatabase(), maxConnections: 1)
        try await pool.withConnection {
            try await $0.executeScript("CREATE TABLE notes (n int PRIMARY KEY, text text NOT NULL)", name: "test.notes")
        }
        return pool
    }

    static func notes(_ pool: PostgresPool) async throws -> Int {
        try await pool.query(count)[0].decode(Int.self, "n")
    }

    @Test func aPipelineReturnsEachStatementsRowsFromOneImplicitTransaction() async throws {
        let pool = try await PipelineTests.pool()
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                (PipelineTests.transactionID, []),
                (PipelineTests.insert, [1, "one"]),
                (PipelineTests.insert, [2, "two"]),
                (PipelineTests.count, []),
                (PipelineTests.transactionID, []),
            ])
        }
        #expect(results.count == 5)
        #expect(try results[1][0].decode(Int.self, "n") == 1)
        #expect(try results[2][0].decode(Int.self, "n") == 2)
        #expect(try results[3][0].decode(Int.self, "n") == 2)
        // One Sync: every statement ran in the same transaction.
        #expect(try results[0][0].decode(String.self, "id") == results[4][0].decode(String.self, "id"))
        #expect(try await PipelineTests.notes(pool) == 2)
    }

    @Test func aFailureNamesItsStatementAndUndoesThePipeline() async throws {
        let pool = try await PipelineTests.pool()
        let failure = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try await connection.pipeline([
                    (PipelineTests.insert, [1, "one"]),
                    (PipelineTests.failing, [2]),
                    (PipelineTests.insert, [3, "three"]),
                ])
            }
        }
        #expect(failure?.statement == "test.pipeline_failing")
        #expect(failure?.sqlState == "23502")
        // The first insert was rolled back with the implicit transaction, the third never ran, and
        // the session works (its statements stay prepared).
        #expect(try await PipelineTests.notes(pool) == 0)
        _ = try await pool.withConnection { try await $0.pipeline([(PipelineTests.insert, [4, "four"])]) }
        #expect(try await PipelineTests.notes(pool) == 1)
    }

    @Test func queuedWritesTravelWithTheNextStatementAndTheCommit() async throws {
        let pool = try await PipelineTests.pool()
        let seen = try await pool.withTransaction { connection in
            try await connection.queue(PipelineTests.insert, [1, "one"])
            try await connection.queue(PipelineTests.insert, [2, "two"])
            let seen = try await connection.query(PipelineTests.count)[0].decode(Int.self, "n")
            try await connection.queue(PipelineTests.insert, [3, "three"])
            return seen
        }
        #expect(seen == 2)
        #expect(try await PipelineTests.notes(pool) == 3)
    }

    @Test func aFailedQueuedWriteFailsTheTransactionByName() async throws {
        let pool = try await PipelineTests.pool()
        let failure = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                try await connection.query(PipelineTests.insert, [1, "one"])
                try await connection.queue(PipelineTests.failing, [2])
            }
        }
        #expect(failure?.statement == "test.pipeline_failing")
        #expect(try await PipelineTests.notes(pool) == 0)
        // The one connection came back rolled back and usable.
        try await pool.withTransaction { try await $0.queue(PipelineTests.insert, [5, "five"]) }
        #expect(try await PipelineTests.notes(pool) == 1)
    }

    @Test func aPipelineRefusedForItsBindingsKeepsTheQueuedWrites() async throws {
        let pool = try await PipelineTests.pool()
        let named = PostgresStatement("test.pipeline_named", named: "SELECT :n::int AS n")
        try await pool.withTransaction { connection in
            try await connection.queue(PipelineTests.insert, [1, "one"])
            await #expect(throws: PostgresError.self) { try await connection.pipeline([(named, [1])]) }
        }
        #expect(try await PipelineTests.notes(pool) == 1)
    }

    struct Refusal: Error {}

    @Test func aRolledBackTransactionDropsItsQueuedWrites() async throws {
        let pool = try await PipelineTests.pool()
        await #expect(throws: Refusal.self) {
            try await pool.withTransaction { connection in
                try await connection.query(PipelineTests.insert, [1, "one"])
                try await connection.queue(PipelineTests.insert, [2, "two"])
                throw Refusal()
            }
        }
        #expect(try await PipelineTests.notes(pool) == 0)
    }

    @Test func outsideATransactionAQueuedWriteRunsAtOnce() async throws {
        let pool = try await PipelineTests.pool()
        try await pool.withConnection { try await $0.queue(PipelineTests.insert, [1, "one"]) }
        #expect(try await PipelineTests.notes(pool) == 1)
        let failure = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try await $0.queue(PipelineTests.failing, [2]) }
        }
        #expect(failure?.statement == "test.pipeline_failing")
    }

    /// Megabytes each way: the loop reads results while it still writes, so neither side's socket
    /// buffer fills while the other waits.
    @Test func aPipelineLargerThanTheSocketBuffersCompletes() async throws {
        let pool = try await PipelineTests.pool()
        let text = String(repeating: "ش", count: 1_000)
        let statements: [(PostgresStatement, [any PostgresEncodable])] = (1...4_000).map {
            (
                PostgresStatement("test.pipeline_echo", "INSERT INTO notes (n, text) VALUES ($1, $2) RETURNING text"),
                [$0, text]
            )
        }
        let results = try await pool.withConnection { try await $0.pipeline(statements) }
        #expect(results.count == 4_000)
        #expect(try results.last?[0].decode(String.self, "text") == text)
        #expect(try await PipelineTests.notes(pool) == 4_000)
    }

    @Test func concurrentWritesShareCommitsAndAFailureStaysWithItsCaller() async throws {
        let pool = try await PipelineTests.pool()
        let writes = PipelinedWrites(pool: pool)
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 1...300 {
                group.addTask {
                    do {
                        // Number 150 breaks NOT NULL: its pipeline's transaction fails with it.
                        if n == 150 {
                            try await writes.run(PipelineTests.failing, [n])
                        } else {
                            try await writes.run(PipelineTests.insert, [n, "note \(n)"])
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.map(\.key) == [150])
        #expect(try await PipelineTests.notes(pool) == 299)
        // Rows written by one pipeline share its transaction: far fewer commits than writes.
        let commits = try await pool.query(
            PostgresStatement("test.pipeline_commits", "SELECT count(DISTINCT xmin::text)::int AS n FROM notes")
        )[0].decode(Int.self, "n")
        #expect(commits < 100)
    }
}
