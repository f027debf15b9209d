import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// The message log and the audit trail reach the history through the outbox, once each, whatever
/// the history does meanwhile.
@Suite struct LogRelayTests {
    static let insertMessage = PostgresStatement(
        "test.message_log",
        """
        INSERT INTO audit.message_logs (business_id, direction, message_type, text, sent_at)
        SELECT id, 'inbound', 'text', 'baddi 2 shawarma', now() FROM users WHERE slug = 'abu-salim-grill'
        """,
        prepared: false
    )

    @Test func everyLogRowIsRelayedOnceIntoPostgreSQLsHistory() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        try await database.pool.query(LogRelayTests.insertMessage)
        let audit = try await database.count("SELECT count(*)::int FROM audit.audit_logs")
        #expect(audit > 0)
        let relay = LogRelay(pool: database.pool, store: PostgresLogStore(pool: database.pool), batch: 50)
        #expect(try await relay.waiting() == audit + 1)
        // The apply's records are queued up to a hundred to a row (0041), no business's beside another's.
        let rows = try await database.count("SELECT count(*)::int FROM log_outbox")
        #expect(rows * 10 < audit)
        let mixed = try await database.count(
            """
            SELECT count(*)::int FROM log_outbox o WHERE cardinality(o.audit_ids) > 100 OR EXISTS (
                SELECT 1 FROM audit.audit_logs a WHERE a.id = ANY (o.audit_ids)
                  AND coalesce(a.business_id, '00000000-0000-0000-0000-000000000000') <> o.business_id)
            """
        )
        #expect(mixed == 0)
        // A batch stays near its size in records: rows past it wait for the next.
        let first = try await LogRelay(pool: database.pool, store: PostgresLogStore(pool: database.pool), batch: 150)
            .relayBatch()
        #expect(first > 0 && first <= 150)
        #expect(try await relay.waiting() == audit + 1 - first)
        // Two relays side by side: each record once.
        async let one = relay.relayAll()
        async let other = LogRelay(pool: database.pool, store: PostgresLogStore(pool: database.pool), batch: 50)
            .relayAll()
        let moved = try await one + other
        let left = try await relay.waiting()
        #expect(moved == audit + 1 - first && left == 0)
        #expect(try await database.count("SELECT count(*)::int FROM history.audit_logs") == audit)
        // Each audit record's document is the record itself, under its stable id (read at relay time).
        let faithful = try await database.count(
            """
            SELECT count(*)::int FROM history.audit_logs h JOIN audit.audit_logs a
                ON h.id = md5('audit_logs/' || a.id::text)::uuid AND h.body = to_jsonb(a)
                AND h.business_id = a.business_id AND h.at = a.occurred_at
            """
        )
        #expect(faithful == audit)
        let faithfulMessages = try await database.count(
            """
            SELECT count(*)::int FROM history.message_logs h JOIN audit.message_logs m
                ON h.id = md5('message_logs/' || m.id::text)::uuid AND h.body = to_jsonb(m) AND h.at = m.sent_at
            """
        )
        #expect(faithfulMessages == 1)
        let message = try await database.pool.query(
            PostgresStatement(
                "test.relayed_message",
                "SELECT body->>'text' AS text, body->>'direction' AS direction FROM history.message_logs",
                prepared: false
            )
        )
        #expect(try message.map { try $0.decode(String.self, "text") } == ["baddi 2 shawarma"])
        #expect(try await relay.relayAll() == 0)
    }
}
