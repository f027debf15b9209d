public import Foundation

/// Moves finished orders out of the live tables (SPEC §4.1, §4.2): an order `completed` or
/// `cancelled` longer ago than `olderThan` becomes one `order_logs` document (the order, its items
/// with their options, its status timeline, bookings, delivery address, customer and `archived_at`),
/// then its rows go: status history, item options, items, bookings, the order; nothing else.
///
/// A batch is one transaction that locks its orders (`FOR UPDATE SKIP LOCKED`: archivers run side
/// by side), appends their documents, then deletes their rows. The append is idempotent by order
/// id, so a process killed after the append and before the commit leaves the rows in place, and
/// the next run finds the documents already there and finishes the delete: nothing lost, nothing
/// doubled. Into PostgreSQL's history the append joins the transaction itself.
public struct OrderArchiver: Sendable {
    public let pool: PostgresPool
    public let store: any LogStore
    /// How long after it finished an order stays live.
    public var olderThan: TimeInterval
    /// Orders per transaction.
    public var batch: Int
    /// Called once a batch's documents are appended, before its rows are deleted: where a crash
    /// test stops the process (`talab archive --pause-after-append`).
    public var afterAppend: (@Sendable ([UUID]) async -> Void)?

    public init(pool: PostgresPool, store: any LogStore, olderThan: TimeInterval = 24 * 60 * 60, batch: Int = 500) {
        self.pool = pool
        self.store = store
        self.olderThan = olderThan
        self.batch = batch
    }

    /// What archiving did.
    public struct Progress: Sendable, Equatable {
        /// Orders whose rows were removed, their documents written now.
        public var archived = 0
        /// Orders whose documents were already there (an earlier run stopped before its delete).
        public var resumed = 0
        public var batches = 0

        public init() {}
    }

    static let finished = """
        o.status IN ('completed', 'cancelled')
          AND coalesce(o.completed_at, o.cancelled_at) < now() - :older_seconds * interval '1 second'
        """

    /// The due orders of one batch, locked, each as its document.
    static let due = PostgresStatement(
        "archive.due",
        named: """
            WITH chosen AS (
                SELECT o.* FROM orders o
                WHERE \(finished)
                ORDER BY coalesce(o.completed_at, o.cancelled_at), o.id
                LIMIT :limit
                FOR UPDATE SKIP LOCKED
            )
            SELECT c.id, c.business_id, c.created_at AS at, jsonb_build_object(
                'order', jsonb_build_object(
                    'id', c.id, 'business_id', c.business_id, 'branch_id', c.branch_id, 'status', c.status,
                    'source', c.order_source, 'delivery_type', c.delivery_type, 'payment_method', c.payment_method,
                    'payment_status', c.payment_status, 'currency', c.currency, 'subtotal', c.subtotal::text,
                    'delivery_price', c.delivery_price::text, 'total', c.total::text, 'notes', c.notes,
                    'language', c.language_used, 'scheduled_for', c.scheduled_for, 'created_at', c.created_at,
                    'updated_at', c.updated_at, 'completed_at', c.completed_at, 'cancelled_at', c.cancelled_at,
                    'confirmation_key', c.confirmation_key),
                'customer', jsonb_build_object(
                    'phone_number', c.customer_phone_number, 'whatsapp_user_id', c.whatsapp_user_id,
                    'name', c.customer_name),
                'items', coalesce((
                    SELECT jsonb_agg(jsonb_build_object(
                        'id', i.id, 'item_id', i.item_id, 'quantity', i.quantity, 'price', i.price_at_time::text,
                        'name', i.name_at_time, 'notes', i.notes, 'position', i.position,
                        'options', coalesce((
                            SELECT jsonb_agg(jsonb_build_object(
                                'item_option_id', p.item_option_id, 'group', p.group_name_at_time,
                                'name', p.name_at_time, 'price_delta', p.price_delta_at_time::text)
                                ORDER BY p.position, p.id)
                            FROM order_item_options p WHERE p.order_item_id = i.id), '[]'::jsonb))
                        ORDER BY i.position, i.id)
                    FROM order_items i WHERE i.order_id = c.id), '[]'::jsonb),
                'timeline', coalesce((
                    SELECT jsonb_agg(jsonb_build_object('status', h.status, 'at', h.changed_at, 'by', h.changed_by)
                        ORDER BY h.changed_at, h.id)
                    FROM order_status_history h WHERE h.order_id = c.id), '[]'::jsonb),
                'bookings', coalesce((
                    SELECT jsonb_agg(jsonb_build_object(
                        'item_id', b.item_id, 'branch_id', b.branch_id, 'starts', lower(b.during),
                        'ends', upper(b.during), 'places', b.places) ORDER BY lower(b.during), b.id)
                    FROM bookings b WHERE b.order_id = c.id), '[]'::jsonb),
                'delivery_address', (
                    SELECT jsonb_build_object(
                        'city', l.city, 'street', l.street, 'building', l.building, 'floor', l.floor,
                        'notes', l.notes, 'latitude', l.latitude::text, 'longitude', l.longitude::text)
                    FROM locations l WHERE l.id = c.delivery_address_location_id),
                'archived_at', now()
            )::text AS body
            FROM chosen c
            """
    )
    static let countDue = PostgresStatement(
        "archive.count_due",
        named: "SELECT count(*)::int AS n FROM orders o WHERE \(finished)"
    )
    /// The rows of archived orders, children first (no cascades: history is removed on purpose only).
    static let deletes = [
        PostgresStatement(
            "archive.delete_history",
            "DELETE FROM order_status_history WHERE order_id = ANY($1::text[]::uuid[])"
        ),
        PostgresStatement(
            "archive.delete_options",
            """
            DELETE FROM order_item_options WHERE order_item_id IN (
                SELECT id FROM order_items WHERE order_id = ANY($1::text[]::uuid[]))
            """
        ),
        PostgresStatement("archive.delete_items", "DELETE FROM order_items WHERE order_id = ANY($1::text[]::uuid[])"),
        PostgresStatement("archive.delete_bookings", "DELETE FROM bookings WHERE order_id = ANY($1::text[]::uuid[])"),
        PostgresStatement("archive.delete_orders", "DELETE FROM orders WHERE id = ANY($1::text[]::uuid[])"),
    ]

    /// How many orders are due now (for `--dry-run`).
    public func countDue() async throws -> Int {
        try await pool.query(OrderArchiver.countDue, ["older_seconds": Int(olderThan)])[0].decode(Int.self, "n")
    }

    /// Archives one batch; an empty progress when nothing is due (or every due order is another
    /// archiver's now).
    public func archiveBatch() async throws -> Progress {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                OrderArchiver.due,
                ["older_seconds": Int(olderThan), "limit": batch]
            )
            var progress = Progress()
            guard !rows.isEmpty else { return progress }
            let documents = try rows.map { row in
                LogDocument(
                    id: try row.decode(UUID.self, "id"),
                    business: try row.decode(UUID.self, "business_id"),
                    at: try row.decode(Date.self, "at"),
                    body: try row.decode(String.self, "body")
                )
            }
            let appended: Int
            if let postgres = store as? PostgresLogStore, postgres.pool.url == pool.url {
                appended = try await PostgresLogStore.append(documents, to: .orderLogs, on: connection).count
            } else {
                appended = try await store.append(documents, to: .orderLogs).appended.count
            }
            await afterAppend?(documents.map(\.id))
            let ids = PostgresTextArray(documents.map { $0.id.uuidString })
            for statement in OrderArchiver.deletes { try await connection.query(statement, [ids]) }
            progress.archived = documents.count
            progress.resumed = documents.count - appended
            progress.batches = 1
            return progress
        }
    }

    /// Archives batch after batch until nothing is due; `report` hears of each batch.
    @discardableResult
    public func archiveAll(report: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        var total = Progress()
        while !Task.isCancelled {
            let step = try await archiveBatch()
            guard step.batches > 0 else { break }
            total.archived += step.archived
            total.resumed += step.resumed
            total.batches += 1
            report(total)
        }
        return total
    }
}
