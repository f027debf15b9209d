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

    /// Locks up to `$1` outbox rows in order, keeps those that make about `$1` records (the first one
    /// always; an audit row names up to 100, 0041) and returns one row per record, each read from
    /// the record itself where the outbox names it. The rows locked and not kept are free again at
    /// the transaction's end.
    static let take = PostgresStatement(
        "relay.take",
        """
        WITH locked AS (
            SELECT o.id, o.collection, o.document_id, o.business_id, o.at, o.body, o.message_log_id,
                   coalesce(o.audit_ids, CASE WHEN o.audit_id IS NOT NULL THEN ARRAY[o.audit_id] END) AS audit_ids,
                   coalesce(cardinality(o.audit_ids), 1) AS records
            FROM log_outbox o ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        ), kept AS (
            SELECT l.*, sum(l.records) OVER (ORDER BY l.id) - l.records AS before FROM locked l
        )
        SELECT k.id, k.collection, coalesce(md5('audit_logs/' || a.id::text)::uuid, k.document_id) AS document_id,
               k.business_id, coalesce(a.occurred_at, k.at) AS at,
               coalesce(k.body, to_jsonb(a), to_jsonb(m))::text AS body
        FROM kept k
        LEFT JOIN audit.audit_logs a ON a.id = ANY (k.audit_ids)
        LEFT JOIN audit.message_logs m ON m.id = k.message_log_id
        WHERE k.before = 0 OR k.before + k.records <= $1
        ORDER BY k.id, a.id
        """
    )
    static let remove = PostgresStatement(
        "relay.remove",
        "DELETE FROM log_outbox WHERE id = ANY($1::text[]::bigint[])"
    )
    static let waiting = PostgresStatement(
        "relay.waiting",
        "SELECT coalesce(sum(coalesce(cardinality(audit_ids), 1)), 0)::int AS n FROM log_outbox"
    )

    /// Relays one batch; how many records it moved (0: the outbox is empty).
    public func relayBatch() async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(LogRelay.take, [batch])
            guard !rows.isEmpty else { return 0 }
            var documents: [LogCollection: [LogDocument]] = [:]
            var ids: Set<String> = []
            for row in rows {
                ids.insert(String(try row.decode(Int.self, "id")))
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
            try await connection.query(LogRelay.remove, [PostgresTextArray(Array(ids))])
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
