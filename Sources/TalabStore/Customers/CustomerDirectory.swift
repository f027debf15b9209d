public import Foundation

/// A business's customers as its dashboard lists them: everyone who wrote to it on WhatsApp, most
/// recent first, with what they ordered (live and archived orders alike; cancelled ones counted but
/// not spent). Run in the business's scope: row-level security decides whose rows these are.
public enum CustomerDirectory {
    public struct Customer: Sendable, Equatable {
        public let id: UUID
        public let name: String?
        public let phone: String?
        public let userID: String?
        public let username: String?
        public let firstSeen: Date
        public let lastMessage: Date?
        /// Orders placed, cancelled ones included.
        public let orders: Int
        public let cancelled: Int
        /// What the orders not cancelled came to, as their snapshots say (text, exact).
        public let spent: String
        public let lastOrder: Date?
    }

    /// One customer's orders of both stores, summed; `c` is the customer's row.
    static let summary = """
        CROSS JOIN LATERAL (
            SELECT count(*)::int AS orders, count(*) FILTER (WHERE x.status = 'cancelled')::int AS cancelled,
                   coalesce(sum(x.total) FILTER (WHERE x.status <> 'cancelled'), 0)::text AS spent,
                   max(x.at) AS last_order
            FROM (
                SELECT o.total, o.status::text AS status, o.created_at AS at FROM orders o
                WHERE c.wa_id IS NOT NULL AND o.business_id = c.business_id AND o.customer_phone_number = c.wa_id
                UNION ALL
                SELECT o.total, o.status::text, o.created_at FROM orders o
                WHERE c.user_id IS NOT NULL AND o.business_id = c.business_id AND o.whatsapp_user_id = c.user_id
                  AND o.customer_phone_number IS DISTINCT FROM c.wa_id
                UNION ALL
                SELECT (l.body -> 'order' ->> 'total')::numeric, l.body -> 'order' ->> 'status', l.at
                FROM history.order_logs l
                WHERE c.wa_id IS NOT NULL AND l.business_id = c.business_id
                  AND l.body -> 'customer' ->> 'phone_number' = c.wa_id
                UNION ALL
                SELECT (l.body -> 'order' ->> 'total')::numeric, l.body -> 'order' ->> 'status', l.at
                FROM history.order_logs l
                WHERE c.user_id IS NOT NULL AND l.business_id = c.business_id
                  AND l.body -> 'customer' ->> 'whatsapp_user_id' = c.user_id
                  AND l.body -> 'customer' ->> 'phone_number' IS DISTINCT FROM c.wa_id
            ) x
        ) s
        """
    static let columns = """
        c.id, c.profile_name, c.wa_id, c.user_id, c.username, c.created_at, c.last_inbound_at,
        s.orders, s.cancelled, s.spent, s.last_order
        """

    static let recent = PostgresStatement(
        "customers.page",
        named: """
            SELECT \(columns) FROM (
                SELECT * FROM whatsapp_customers c
                WHERE (:before::timestamptz IS NULL OR coalesce(c.last_inbound_at, c.created_at) < :before)
                  AND (:search::text IS NULL OR c.wa_id LIKE '%' || :search || '%'
                       OR c.profile_name ILIKE '%' || :search || '%' OR c.username ILIKE '%' || :search || '%')
                ORDER BY coalesce(c.last_inbound_at, c.created_at) DESC, c.id LIMIT :limit
            ) c \(summary)
            ORDER BY coalesce(c.last_inbound_at, c.created_at) DESC, c.id
            """
    )
    static let one = PostgresStatement(
        "customers.one",
        "SELECT \(columns) FROM whatsapp_customers c \(summary) WHERE c.id = $1"
    )
    static let byIdentity = PostgresStatement(
        "customers.by_identity",
        """
        SELECT \(columns) FROM (
            SELECT * FROM whatsapp_customers c
            WHERE ($1::text IS NOT NULL AND c.wa_id = $1) OR ($2::text IS NOT NULL AND c.user_id = $2)
            ORDER BY (c.user_id = $2) DESC NULLS LAST LIMIT 1
        ) c \(summary)
        """
    )

    static func customer(_ row: PostgresRow) throws -> Customer {
        Customer(
            id: try row.decode(UUID.self, "id"),
            name: try row.decode(String?.self, "profile_name"),
            phone: try row.decode(String?.self, "wa_id"),
            userID: try row.decode(String?.self, "user_id"),
            username: try row.decode(String?.self, "username"),
            firstSeen: try row.decode(Date.self, "created_at"),
            lastMessage: try row.decode(Date?.self, "last_inbound_at"),
            orders: try row.decode(Int.self, "orders"),
            cancelled: try row.decode(Int.self, "cancelled"),
            spent: try row.decode(String.self, "spent"),
            lastOrder: try row.decode(Date?.self, "last_order")
        )
    }

    /// Up to `limit` customers whose last message came before `before` (nil: now), most recent
    /// first; `search` matches digits of the number, or a part of the name or username. The time to
    /// ask the next page from is nil when this one was not full.
    public static func page(
        before: Date?,
        search: String?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> (customers: [Customer], next: Date?) {
        let customers = try await connection.query(
            recent,
            ["before": before, "search": search, "limit": limit]
        ).map(customer)
        return (customers, customers.count < limit ? nil : customers.last.map { $0.lastMessage ?? $0.firstSeen })
    }

    /// One customer of the scope, or nil.
    public static func customer(_ id: UUID, on connection: PostgresConnection) async throws -> Customer? {
        try await connection.query(one, [id]).first.map(customer)
    }

    /// The customer an order names (by its phone number or WhatsApp user id), or nil.
    public static func customer(
        phone: String?,
        userID: String?,
        on connection: PostgresConnection
    ) async throws -> Customer? {
        guard phone != nil || userID != nil else { return nil }
        return try await connection.query(byIdentity, [phone, userID]).first.map(customer)
    }
}
