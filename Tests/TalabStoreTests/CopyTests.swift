import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// `PostgresConnection.copy`: COPY's text format, escaped here, read by the columns' input functions.
@Suite struct CopyTests {
    static let read = PostgresStatement("test.copy_read", "SELECT n, text, price::text AS price FROM copied ORDER BY n")

    static func pool() async throws -> PostgresPool {
        let pool = PostgresPool(url: try await TestCluster.shared.emptyDatabase(), maxConnections: 1)
        try await pool.withConnection {
            try await $0.executeScript(
                "CREATE TABLE copied (n int PRIMARY KEY, text text, price numeric(10,2) NOT NULL)",
                name: "test.copied"
            )
        }
        return pool
    }

    @Test func valuesArriveAsTheyWereWhateverTheyHold() async throws {
        let pool = try await CopyTests.pool()
        let awkward = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "شاورما بلا توم", "", nil]
        let copied = try await pool.withConnection { connection in
            try await connection.copy(
                into: "copied",
                columns: ["n", "text", "price"],
                rows: awkward.enumerated().map { [String($0.offset), $0.element, "1.5"] },
                name: "test.copy"
            )
        }
        #expect(copied == awkward.count)
        let rows = try await pool.query(CopyTests.read)
        #expect(try rows.map { try $0.decode(String?.self, "text") } == awkward)
        #expect(try rows[0].decode(String.self, "price") == "1.50")
    }

    @Test func manyMebibytesGoInChunks() async throws {
        let pool = try await CopyTests.pool()
        let text = String(repeating: "ك", count: 500)
        let copied = try await pool.withConnection { connection in
            try await connection.copy(
                into: "copied",
                columns: ["n", "text", "price"],
                rows: (1...20_000).lazy.map { [String($0), text, "2"] },
                name: "test.copy"
            )
        }
        #expect(copied == 20_000)
        #expect(try await pool.query(CopyTests.read).count == 20_000)
    }

    @Test func aRefusedValueFailsTheCopyByNameAndLeavesTheSessionUsable() async throws {
        let pool = try await CopyTests.pool()
        let failure = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try await connection.copy(
                    into: "copied",
                    columns: ["n", "text", "price"],
                    rows: [["1", "fine", "1"], ["2", "not a price", "abc"]],
                    name: "test.copy"
                )
            }
        }
        #expect(failure?.statement == "test.copy")
        #expect(failure?.sqlState == "22P02")
        #expect(try await pool.query(CopyTests.read).isEmpty)
        try await pool.withTransaction { connection in
            try await connection.copy(
                into: "copied",
                columns: ["n", "text", "price"],
                rows: [["3", nil, "3"]],
                name: "test.copy"
            )
        }
        #expect(try await pool.query(CopyTests.read).count == 1)
    }
}
