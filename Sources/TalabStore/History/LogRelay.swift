public import Foundation

/// Drains `log_outbox` into the history (migration 0018): an audit record's or a message's body is
/// read from the row itself, which never changes (0035, 0038; older outbox rows carry a copy). A
/// batch is locked (`SKIP LOCKED`: relays
/// run side by side), appended to the log store (idempotent by id), then deleted, in one
/// transaction. When the store fails, the transaction rolls back and the batch waits for the next
/// round: nothing is lost, nothing doubled.
public struct LogRelay: Sendable {
    public let pool: PostgresPool
    public let store: any LogStore
    public var batch: Int

    public init(pool: PostgresPool, store: any LogStore, batch: Int = 500) {
        self.pool = pool
        self.store = store
        self.batch = batch
    }

    static let take = PostgresStatement(
        "relay.take",
        """
        SELECT o.id, o.collection, o.document_id, o.business_id, o.at,
               coalesce(o.body, to_jsonb(a), to_jsonb(m))::text AS body
        FROM log_outbox o
        LEFT JOIN audit.audit_logs a ON a.id = o.audit_id
        LEFT JOIN audit.message_logs m ON m.id = o.message_log_id
        ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        """
    )
    static let remove = PostgresStatement(
        "relay.remove",
        "DELETE FROM log_outbox WHERE id = ANY($1::text[]::bigint[])"
    )
    static let waiting = PostgresStatement("relay.waiting", "SELECT count(*)::int AS n FROM log_outbox")

    /// Relays one batch; how many records it moved (0: the outbox is empty).
    public func relayBatch() async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(LogRelay.take, [batch])
            guard !rows.isEmpty else { return 0 }
            var documents: [LogCollection: [LogDocument]] = [:]
            var ids: [String] = []
            for row in rows {
                ids.append(String(try row.decode(Int.self, "id")))
                guard let collection = LogCollection(rawValue: try row.decode(String.self, "collection")) else {
                    continue
                }
                documents[collection, default: []].append(
                    LogDocument(
                        id: try row.decode(UUID.self, "document_id"),
                        business: try row.decode(UUID.self, "business_id"),
                        at: try row.decode(Date.self, "at"),
                        body: try row.decode(String.self, "body")
                    )
                )
            }
            for (collection, batch) in documents.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                if let postgres = store as? PostgresLogStore, postgres.pool.url == pool.url {
                    _ = try await PostgresLogStore.append(batch, to: collection, on: connection)
                } else {
                    _ = try await store.append(batch, to: collection)
                }
            }
            try await connection.query(LogRelay.remove, [PostgresTextArray(ids)])
            return rows.count
        }
    }

    /// Relays until the outbox is empty; the records moved.
    @discardableResult
    public func relayAll() async throws -> Int {
        var total = 0
        while true {
            let moved = try await relayBatch()
            guard moved > 0 else { return total }
            total += moved
        }
    }

    /// Records waiting to be relayed.
    public func waiting() async throws -> Int {
        try await pool.query(LogRelay.waiting)[0].decode(Int.self, "n")
    }
}
