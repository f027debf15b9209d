import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// Values go into PostgreSQL as bound parameters and come back as the same Swift values.
@Suite struct CodingTests {
    static func roundTrip<Value: PostgresCodable>(
        _ value: Value,
        as sqlType: String,
        in pool: PostgresPool
    ) async throws -> Value {
        let rows = try await pool.query(
            PostgresStatement("test.round_trip.\(sqlType)", "SELECT $1::\(sqlType) AS value", prepared: false),
            [value]
        )
        return try rows[0].decode(Value.self, "value")
    }

    static func pool() async throws -> PostgresPool {
        PostgresPool(url: try await TestCluster.shared.serverURL(), maxConnections: 1)
    }

    @Test(arguments: ["0.10", "99999999.99", "0", "0.01", "12.50", "-3.75", "1234567.89"])
    func numericRoundTripsExactly(_ text: String) async throws {
        let value = try #require(Decimal(string: text))
        let back = try await CodingTests.roundTrip(value, as: "numeric(10,2)", in: CodingTests.pool())
        #expect(back == value)
        let rows = try await CodingTests.pool().query(
            PostgresStatement("test.numeric_text", "SELECT $1::numeric(10,2)::text AS text"),
            [value]
        )
        #expect(Decimal(string: try rows[0].decode(String.self, "text")) == value)
    }

    @Test func tenthsAreNotBinaryFractions() async throws {
        let rows = try await CodingTests.pool().query(
            PostgresStatement("test.tenths", "SELECT 0.10::numeric(10,2) + 0.20::numeric(10,2) AS sum")
        )
        #expect(try rows[0].decode(Decimal.self, "sum") == Decimal(string: "0.30"))
    }

    @Test(arguments: [
        "", "Abu Salim", "شاورما دجاج", "baddi 2 shawarma bala toum", "quote \" and \\ backslash", "emoji 🌯",
        "multi\nline",
    ])
    func textRoundTrips(_ text: String) async throws {
        #expect(try await CodingTests.roundTrip(text, as: "text", in: CodingTests.pool()) == text)
    }

    @Test func scalarsRoundTrip() async throws {
        let pool = try await CodingTests.pool()
        let id = UUID()
        #expect(try await CodingTests.roundTrip(id, as: "uuid", in: pool) == id)
        #expect(try await CodingTests.roundTrip(Int.max, as: "bigint", in: pool) == Int.max)
        #expect(try await CodingTests.roundTrip(Int.min, as: "bigint", in: pool) == Int.min)
        #expect(try await CodingTests.roundTrip(-42, as: "integer", in: pool) == -42)
        #expect(try await CodingTests.roundTrip(true, as: "boolean", in: pool) == true)
        #expect(try await CodingTests.roundTrip(false, as: "boolean", in: pool) == false)
    }

    @Test(arguments: [0.0, 1_764_185_593.123456, -86_400.5, 4_102_444_800.25, 946_684_800.000001])
    func timestampsRoundTripToTheMicrosecond(_ seconds: Double) async throws {
        let date = Date(timeIntervalSince1970: seconds)
        let back = try await CodingTests.roundTrip(date, as: "timestamptz", in: CodingTests.pool())
        #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test func timestampsAreReadInUTCWhateverTheServerZone() async throws {
        let rows = try await CodingTests.pool().query(
            PostgresStatement("test.zone", "SELECT '2026-11-26 21:30:00+02'::timestamptz AS at")
        )
        #expect(try rows[0].decode(Date.self, "at") == Date(timeIntervalSince1970: 1_795_721_400))
    }

    @Test(arguments: [
        [String](), ["wraps"], ["a,b", "c d", "quote\"d", "back\\slash", "NULL", "{braces}", "شاورما", ""],
    ])
    func textArraysRoundTrip(_ values: [String]) async throws {
        #expect(try await CodingTests.roundTrip(values, as: "text[]", in: CodingTests.pool()) == values)
    }

    struct FeeRule: Codable, Sendable, Equatable {
        let upToKm: Decimal
        let fee: Decimal
    }

    @Test func jsonRoundTripsThroughJSONB() async throws {
        let rules = [FeeRule(upToKm: 2, fee: Decimal(string: "1.00")!), FeeRule(upToKm: 3.5, fee: 2)]
        let back = try await CodingTests.roundTrip(PostgresJSON(rules), as: "jsonb", in: CodingTests.pool())
        #expect(back.value == rules)
    }

    @Test func nullDecodesOnlyIntoAnOptional() async throws {
        let rows = try await CodingTests.pool().query(
            PostgresStatement("test.null", "SELECT NULL::text AS note, NULL::uuid AS id, $1::numeric AS price"),
            [Decimal?.none]
        )
        #expect(try rows[0].decode(String?.self, "note") == nil)
        #expect(try rows[0].decode(UUID?.self, "id") == nil)
        #expect(try rows[0].decode(Decimal?.self, "price") == nil)
        let error = #expect(throws: PostgresError.self) { try rows[0].decode(String.self, "note") }
        #expect(error?.code == .typeMismatch)
        #expect(error?.message.contains("\"note\"") == true)
    }

    @Test func aTypeMismatchNamesTheColumn() async throws {
        let rows = try await CodingTests.pool().query(
            PostgresStatement("test.mismatch", "SELECT 4.50::numeric AS price, gen_random_uuid() AS id")
        )
        let error = #expect(throws: PostgresError.self) { try rows[0].decode(Int.self, "price") }
        #expect(error?.code == .typeMismatch)
        #expect(error?.message == "column \"price\" is numeric, which cannot decode as Int")
        let uuidAsString = #expect(throws: PostgresError.self) { try rows[0].decode(String.self, "id") }
        #expect(uuidAsString?.message.contains("\"id\" is uuid") == true)
        let unknown = #expect(throws: PostgresError.self) { try rows[0].decode(Int.self, "cost") }
        #expect(unknown?.code == .noSuchColumn)
    }

    @Test func enumColumnsDecodeAsStrings() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 1)
        let rows = try await pool.query(PostgresStatement("test.enum", "SELECT 'on_site'::delivery_type AS kind"))
        #expect(try rows[0].decode(String.self, "kind") == "on_site")
    }

    @Test func affectedRowsAreCounted() async throws {
        let pool = try await CodingTests.pool()
        try await pool.withConnection { connection in
            try await connection.executeScript(
                "CREATE TEMP TABLE t (n int); INSERT INTO t SELECT generate_series(1, 5)",
                name: "t"
            )
            let rows = try await connection.query(
                PostgresStatement("test.update", "UPDATE t SET n = n + 1 WHERE n > $1"),
                [2]
            )
            #expect(rows.affectedRows == 3)
            #expect(rows.isEmpty)
        }
    }
}
