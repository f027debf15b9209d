public import Foundation
import Synchronization
import TalabMetrics

/// Moves finished orders out of the live tables (SPEC §4.1, §4.2): an order `completed` or
/// `cancelled` longer ago than `olderThan` becomes one `order_logs` document (the order, its items
/// with their options, its status timeline, bookings, delivery address, customer and `archived_at`),
/// then its rows go: status history, item options, items, bookings, the order; nothing else. Each
/// customer's last completed order's lines stay live in `customer_last_orders` ("the same again").
///
/// A batch is one transaction that locks its orders (`FOR UPDATE SKIP LOCKED`: archivers run side
/// by side), appends their documents, then deletes their rows, without a foreign-key check per row
/// where that is safe (`uncheckedDeletes`). The append is idempotent by order
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
    /// Orders per transaction unless told: 1,000 measured faster than 250, 500 and 2,000
    /// (`talab bench history`); larger batches lose to the hash joins that build their documents.
    public static let defaultBatch = 1000
    /// Called once a batch's documents are appended, before its rows are deleted: where a crash
    /// test stops the process (`talab archive --pause-after-append`).
    public var afterAppend: (@Sendable ([UUID]) async -> Void)?

    public init(
        pool: PostgresPool,
        store: any LogStore,
        olderThan: TimeInterval = 24 * 60 * 60,
        batch: Int = defaultBatch
    ) {
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

    /// The next batch of due orders, oldest finished first, locked (archivers side by side skip
    /// each other's). A statement of its own, so the statements after it see every row of these
    /// orders: a child committed before the lock was taken is in their snapshot, and one written
    /// after it waits for the archiver's commit and then fails its foreign key.
    static let lock = PostgresStatement(
        "archive.lock",
        named: """
            SELECT o.id FROM orders o
            WHERE \(finished)
            ORDER BY coalesce(o.completed_at, o.cancelled_at), o.id
            LIMIT :limit
            FOR UPDATE SKIP LOCKED
            """
    )

    /// The locked orders ($1, uuids as text) with their children aggregated.
    static let chosen = """
        WITH chosen AS (
            SELECT o.* FROM orders o WHERE o.id = ANY($1::text[]::uuid[])
        )\(OrderDocument.aggregates(of: "chosen"))
        """

    /// The locked orders, each as its document.
    static let due = PostgresStatement(
        "archive.due",
        """
        \(chosen)
        SELECT c.id, c.business_id, c.created_at AS at, \(OrderDocument.body("c"))::text AS body
        FROM chosen c \(OrderDocument.joins("c"))
        """
    )
    /// The locked orders archived into PostgreSQL's own history in one statement: written and
    /// deleted together (children first).
    static let moveInPlace = PostgresStatement(
        "archive.move",
        """
        \(chosen), written AS (
            INSERT INTO history.order_logs (id, business_id, at, body)
            SELECT c.id, c.business_id, c.created_at, \(OrderDocument.body("c"))
            FROM chosen c \(OrderDocument.joins("c"))
            ON CONFLICT (id) DO NOTHING
            RETURNING id
        ), history AS (
            DELETE FROM order_status_history WHERE order_id IN (SELECT id FROM chosen) RETURNING 1
        ), options AS (
            DELETE FROM order_item_options WHERE order_item_id IN (
                SELECT i.id FROM order_items i JOIN chosen c ON c.id = i.order_id) RETURNING 1
        ), lines AS (
            DELETE FROM order_items WHERE order_id IN (SELECT id FROM chosen) RETURNING 1
        ), booked AS (
            DELETE FROM bookings WHERE order_id IN (SELECT id FROM chosen) RETURNING 1
        ), removed AS (
            DELETE FROM orders WHERE id IN (SELECT id FROM chosen) RETURNING 1
        )
        SELECT (SELECT count(*) FROM removed)::int AS archived, (SELECT count(*) FROM written)::int AS appended
        """
    )

    /// Each customer's last completed order among the locked ones ($1), its lines kept in
    /// `customer_last_orders` unless a later one is there: "the same again" after the archive.
    static let rememberLastOrders = PostgresStatement(
        "archive.remember_last_orders",
        """
        WITH last AS (
            SELECT DISTINCT ON (o.business_id, coalesce(o.customer_phone_number, 'user:' || o.whatsapp_user_id))
                   o.business_id, coalesce(o.customer_phone_number, 'user:' || o.whatsapp_user_id) AS customer,
                   o.customer_phone_number, o.whatsapp_user_id, o.id, o.created_at
            FROM orders o
            WHERE o.id = ANY($1::text[]::uuid[]) AND o.status = 'completed'
            ORDER BY 1, 2, o.created_at DESC, o.id DESC
        )
        INSERT INTO customer_last_orders
            (business_id, customer, customer_phone_number, whatsapp_user_id, order_id, ordered_at, lines)
        SELECT l.business_id, l.customer, l.customer_phone_number, l.whatsapp_user_id, l.id, l.created_at,
               coalesce((
                   SELECT jsonb_agg(jsonb_build_object(
                       'item', i.key, 'quantity', oi.quantity,
                       'options', coalesce((
                           SELECT jsonb_agg(g.key || '/' || v.key ORDER BY g.key, v.key)
                           FROM order_item_options oo JOIN item_options v ON v.id = oo.item_option_id
                           JOIN item_option_groups g ON g.id = v.group_id
                           WHERE oo.order_item_id = oi.id), '[]'::jsonb)
                   ) ORDER BY oi.position, oi.id)
                   FROM order_items oi JOIN items i ON i.id = oi.item_id WHERE oi.order_id = l.id
               ), '[]'::jsonb)
        FROM last l
        ON CONFLICT (business_id, customer) DO UPDATE
        SET customer_phone_number = excluded.customer_phone_number, whatsapp_user_id = excluded.whatsapp_user_id,
            order_id = excluded.order_id, ordered_at = excluded.ordered_at, lines = excluded.lines
        WHERE customer_last_orders.ordered_at < excluded.ordered_at
        """
    )

    /// The tables whose rows make up an order, and the foreign keys between them: exactly what the
    /// deletes below remove, children first.
    package static let orderTables = [
        "orders", "order_items", "order_item_options", "order_status_history", "bookings",
    ]
    package static let orderReferences = [
        "bookings.order_id", "order_item_options.order_item_id", "order_items.order_id",
        "order_status_history.order_id",
    ]

    /// Lets this transaction delete an order's rows without a foreign-key check per row, when that
    /// is safe and allowed; answers `replica` then, NULL otherwise.
    ///
    /// PostgreSQL checks a deleted order against every table that references it with one query per
    /// row (three per order, one per line): measured, most of the archiver's time. The archiver
    /// removes an order's whole tree in one transaction, its orders locked first, so those checks
    /// can only pass. They are skipped (`session_replication_role = replica`, for this transaction
    /// only) when the role may set it (a superuser, or `GRANT SET ON PARAMETER
    /// session_replication_role`), every foreign key into these tables is one of
    /// `orderReferences`, and no trigger fires on deleting their rows. A migration that adds a
    /// reference to an order or such a trigger turns the checks back on by itself.
    package static let uncheckedDeletes = PostgresStatement(
        "archive.unchecked_deletes",
        """
        SELECT CASE WHEN has_parameter_privilege('session_replication_role', 'SET')
            AND (SELECT coalesce(array_agg(c.conrelid::regclass::text || '.' || a.attname
                                           ORDER BY c.conrelid::regclass::text || '.' || a.attname), '{}')
                 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                 WHERE c.contype = 'f' AND c.confrelid = ANY ($1::text[]::regclass[])) = $2::text[]
            AND NOT EXISTS (
                SELECT 1 FROM pg_trigger t
                WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgtype & 8 <> 0
                  AND t.tgrelid = ANY ($1::text[]::regclass[]))
        THEN set_config('session_replication_role', 'replica', true) END AS mode
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

    /// Archives one batch in one transaction; an empty progress when nothing is due (or every due
    /// order is another archiver's now).
    public func archiveBatch() async throws -> Progress {
        let inPlace = afterAppend == nil && (store as? PostgresLogStore)?.pool.url == pool.url
        return try await pool.withTransaction { connection in
            _ = try await connection.query(
                OrderArchiver.uncheckedDeletes,
                [PostgresTextArray(OrderArchiver.orderTables), PostgresTextArray(OrderArchiver.orderReferences)]
            )
            let locked = try await connection.query(
                OrderArchiver.lock,
                ["older_seconds": Int(olderThan), "limit": batch]
            )
            var progress = Progress()
            guard !locked.isEmpty else { return progress }
            let ids = PostgresTextArray(try locked.map { try $0.decode(UUID.self, "id").uuidString })
            progress.batches = 1
            try await connection.query(OrderArchiver.rememberLastOrders, [ids])
            if inPlace {
                // Into the same database: written and deleted by one statement.
                let row = try await connection.query(OrderArchiver.moveInPlace, [ids])[0]
                progress.archived = try row.decode(Int.self, "archived")
                progress.resumed = progress.archived - (try row.decode(Int.self, "appended"))
                return progress
            }
            let documents = try await connection.query(OrderArchiver.due, [ids]).map { row in
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
            for statement in OrderArchiver.deletes { try await connection.query(statement, [ids]) }
            progress.archived = documents.count
            progress.resumed = documents.count - appended
            return progress
        }
    }

    /// Archives batch after batch until nothing is due, `parallel` batches at a time (each on its
    /// own connection; their batches skip each other's orders); `report` hears of each batch.
    @discardableResult
    public func archiveAll(
        parallel: Int = 1,
        report: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Progress {
        let total = Running()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(parallel, 1) {
                group.addTask {
                    while !Task.isCancelled {
                        let step = try await archiveBatch()
                        guard step.batches > 0 else { return }
                        TalabMetrics.ordersArchived.increment(by: step.archived)
                        let now = total.progress.withLock { total in
                            total.archived += step.archived
                            total.resumed += step.resumed
                            total.batches += 1
                            return total
                        }
                        report(now)
                    }
                }
            }
            try await group.waitForAll()
        }
        return total.progress.withLock { $0 }
    }

    /// The progress of archivers running side by side.
    final class Running: Sendable {
        let progress = Mutex(Progress())
    }
}
