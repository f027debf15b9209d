import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// Customers' messages are kept no longer than the retention, and the logs stay append-only for
/// everything else.
@Suite struct MessageRetentionTests {
    static func message(_ text: String, daysAgo: Int) -> PostgresStatement {
        PostgresStatement(
            "test.message_\(daysAgo)",
            """
            INSERT INTO audit.message_logs (business_id, direction, message_type, text, sent_at)
            SELECT id, 'inbound', 'text', '\(text)', now() - interval '\(daysAgo) days' FROM users
            WHERE slug = 'abu-salim-grill'
            """,
            prepared: false
        )
    }

    @Test func messagesPastTheRetentionGoFromTheLogAndTheHistoryAndNothingElseCan() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        try await database.pool.query(MessageRetentionTests.message("old one", daysAgo: 40))
        try await database.pool.query(MessageRetentionTests.message("recent one", daysAgo: 2))
        try await LogRelay(pool: database.pool, store: PostgresLogStore(pool: database.pool)).relayAll()
        #expect(try await database.count("SELECT count(*)::int FROM history.message_logs") == 2)
        // Without the retention's own cutoff, nobody deletes a message.
        for sql in ["DELETE FROM audit.message_logs", "DELETE FROM history.message_logs"] {
            let refused = await #expect(throws: PostgresError.self) {
                try await database.pool.query(PostgresStatement("test.delete", sql, prepared: false))
            }
            #expect(refused?.sqlState == "42501")
        }
        let removed = try await MessageRetention(pool: database.pool, days: 30).expire()
        #expect(removed.live == 1 && removed.history == 1)
        let left = try await database.pool.query(
            PostgresStatement(
                "test.left",
                "SELECT (SELECT string_agg(text, ',') FROM audit.message_logs) AS live, "
                    + "(SELECT string_agg(body->>'text', ',') FROM history.message_logs) AS history",
                prepared: false
            )
        )[0]
        #expect(
            try left.decode(String?.self, "live") == "recent one"
                && left.decode(String?.self, "history") == "recent one"
        )
        // The cutoff opens the message log only: the audit trail stays closed, and TRUNCATE too.
        let audit = await #expect(throws: PostgresError.self) {
            try await database.pool.withTransaction { connection in
                try await connection.query(
                    PostgresStatement(
                        "test.cutoff",
                        "SELECT set_config('talab.expire_before', now()::text, true)",
                        prepared: false
                    )
                )
                try await connection.query(
                    PostgresStatement("test.audit_delete", "DELETE FROM audit.audit_logs", prepared: false)
                )
            }
        }
        #expect(audit?.sqlState == "42501")
        let truncate = await #expect(throws: PostgresError.self) {
            try await database.pool.query(
                PostgresStatement("test.truncate", "TRUNCATE audit.message_logs", prepared: false)
            )
        }
        #expect(truncate?.sqlState == "42501")
    }
}
