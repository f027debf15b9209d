public import Foundation
public import TalabCore

extension OrderStore {
    /// An order as a list shows it.
    public struct Summary: Sendable {
        public let id: UUID
        public let createdAt: Date
        public let business: String
        public let branch: String
        public let customer: String
        public let status: String
        public let deliveryType: String
        public let total: Money
        public let scheduledFor: Date?
        /// The business's time zone (IANA), in which its people read the times.
        public let timeZone: String
    }

    static let list = PostgresStatement(
        "orders.list",
        """
        SELECT o.id, o.created_at, u.slug, b.key::text AS branch, coalesce(o.customer_phone_number, o.whatsapp_user_id) AS customer,
               o.status::text AS status, o.delivery_type::text AS delivery_type, o.total, o.currency, o.scheduled_for,
               u.timezone
        FROM orders o JOIN users u ON u.id = o.business_id JOIN branches b ON b.id = o.branch_id
        WHERE ($1::text IS NULL OR u.slug = $1) AND ($2::text IS NULL OR o.status::text = $2)
        ORDER BY o.created_at DESC LIMIT $3
        """
    )

    /// The latest orders, newest first, of a tenant and in a status when given.
    public func list(tenant: String? = nil, status: OrderStatus? = nil, limit: Int = 20) async throws -> [Summary] {
        try await pool.query(OrderStore.list, [tenant, status?.rawValue, limit]).map { row in
            Summary(
                id: try row.decode(UUID.self, "id"),
                createdAt: try row.decode(Date.self, "created_at"),
                business: try row.decode(String.self, "slug"),
                branch: try row.decode(String.self, "branch"),
                customer: try row.decode(String.self, "customer"),
                status: try row.decode(String.self, "status"),
                deliveryType: try row.decode(String.self, "delivery_type"),
                total: Money(try row.decode(Decimal.self, "total"), try row.decode(String.self, "currency")),
                scheduledFor: try row.decode(Date?.self, "scheduled_for"),
                timeZone: try row.decode(String.self, "timezone")
            )
        }
    }

    static let statusOf = PostgresStatement(
        "orders.status_of",
        "SELECT status::text AS status FROM orders WHERE id = $1"
    )

    public func status(of id: UUID) async throws -> OrderStatus {
        guard let text = try await pool.query(OrderStore.statusOf, [id]).first?.decode(String.self, "status"),
            let status = OrderStatus(rawValue: text)
        else { throw OrderError(code: .notFound, message: "no order \(id.lowercasedText)") }
        return status
    }

    static let byPrefix = PostgresStatement(
        "orders.by_prefix",
        "SELECT id FROM orders WHERE id::text LIKE $1 || '%' LIMIT 2"
    )

    /// The order whose id starts with `prefix` (at least 8 characters of it), if exactly one does.
    public func resolve(_ prefix: String) async throws -> UUID {
        let text = prefix.lowercased()
        guard text.count >= 8, text.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw OrderError(
                code: .invalidId,
                message: "'\(prefix)' is not an order id (8 or more of its characters)"
            )
        }
        let rows = try await pool.query(OrderStore.byPrefix, [text])
        guard rows.count == 1 else {
            throw OrderError(
                code: rows.isEmpty ? .notFound : .ambiguousId,
                message: rows.isEmpty
                    ? "no order \(prefix)" : "several orders start with \(prefix); give more of the id"
            )
        }
        return try rows[0].decode(UUID.self, "id")
    }

    static let lines = PostgresStatement(
        "orders.lines",
        """
        SELECT i.id, i.quantity, i.name_at_time, i.price_at_time,
               coalesce(string_agg(op.name_at_time || CASE WHEN op.price_delta_at_time > 0
                                                      THEN ' +' || op.price_delta_at_time::text ELSE '' END,
                                   ', ' ORDER BY op.position, op.id), '') AS options
        FROM order_items i LEFT JOIN order_item_options op ON op.order_item_id = i.id
        WHERE i.order_id = $1 GROUP BY i.id ORDER BY i.position, i.id
        """
    )
    static let history = PostgresStatement(
        "orders.history_of",
        "SELECT status::text AS status, changed_at, changed_by::text AS changed_by FROM order_status_history WHERE order_id = $1 ORDER BY changed_at, id"
    )

    /// The order's lines (`2 × Chicken Shawarma (Large +1.50, No garlic) @ 4.50`) and its history.
    public func details(_ id: UUID) async throws -> (lines: [String], history: [String]) {
        let lines = try await pool.query(OrderStore.lines, [id]).map { row in
            let options = try row.decode(String.self, "options")
            return "\(try row.decode(Int.self, "quantity")) × \(try row.decode(String.self, "name_at_time"))"
                + (options.isEmpty ? "" : " (\(options))") + " @ \(try row.decode(Decimal.self, "price_at_time"))"
        }
        let formatter = ISO8601DateFormatter()
        let history = try await pool.query(OrderStore.history, [id]).map { row in
            "\(formatter.string(from: try row.decode(Date.self, "changed_at")))  \(try row.decode(String.self, "status")) "
                + "(by \(try row.decode(String.self, "changed_by")))"
        }
        return (lines, history)
    }
}
