import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// Statements with many parameters name them (`:business`) and are bound by name.
@Suite struct NamedParameterTests {
    @Test func namesBecomeNumbersOncePerNameAndCastsLiteralsAndCommentsStay() {
        let statement = PostgresStatement(
            "test.named",
            named: """
                SELECT :a::int + :b AS sum, ':not_a' AS literal, "col:umn", :a AS again -- :comment
                FROM t WHERE x = 'it''s :quoted' AND y = :c_2
                """
        )
        #expect(statement.parameterNames == ["a", "b", "c_2"])
        #expect(
            statement.sql == """
                SELECT $1::int + $2 AS sum, ':not_a' AS literal, "col:umn", $1 AS again -- :comment
                FROM t WHERE x = 'it''s :quoted' AND y = $3
                """
        )
        #expect(PostgresStatement("test.positional", "SELECT $1::text").parameterNames == nil)
    }

    @Test func boundByNameInPostgreSQL() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.serverURL(), maxConnections: 1)
        defer { pool.close() }
        let statement = PostgresStatement(
            "test.named_sum",
            named: "SELECT :a::int + :b::int AS sum, :a::int * 10 AS tens, :missing::text IS NULL AS absent"
        )
        let row = try await pool.query(statement, ["a": 2, "b": 40, "missing": nil as String?])[0]
        #expect(try row.decode(Int.self, "sum") == 42)
        #expect(try row.decode(Int.self, "tens") == 20)
        #expect(try row.decode(Bool.self, "absent"))
    }

    @Test func aNameNotBoundOrBoundAndNotUsedIsAnErrorBeforeAnythingIsSent() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.serverURL(), maxConnections: 1)
        defer { pool.close() }
        let statement = PostgresStatement("test.named_typo", named: "SELECT :business::int AS value")
        let typo = await #expect(throws: PostgresError.self) { try await pool.query(statement, ["busines": 1]) }
        #expect(typo?.code == .binding)
        #expect(typo?.message == "not bound: business; not in the statement: busines")
        #expect(typo?.statement == "test.named_typo")
        let positional = await #expect(throws: PostgresError.self) { try await pool.query(statement, [1]) }
        #expect(positional?.code == .binding)
        let numbered = PostgresStatement("test.numbered", "SELECT $1::int AS value")
        let byName = await #expect(throws: PostgresError.self) { try await pool.query(numbered, ["value": 1]) }
        #expect(byName?.code == .binding)
    }
}
