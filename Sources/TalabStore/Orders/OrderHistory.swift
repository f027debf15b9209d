public import Foundation

/// A business's orders newest first, live and archived alike (each as its document), and the
/// WhatsApp messages around an order. Run in the business's scope: row-level security decides.
public enum OrderHistory {
    /// The page's statement, with or without a search: two statements, so the common one (no
    /// search) keeps a plan that walks the (business, time) index instead of a generic plan for both.
    static func page(searching: Bool) -> PostgresStatement {
        page(
            searching ? "history.search" : "history.page",
            live: searching
                ? "AND (o.id::text LIKE :search || '%' OR o.customer_phone_number LIKE '%' || :search || '%')" : "",
            archived: searching
                ? "AND (l.id::text LIKE :search || '%' OR l.body -> 'customer' ->> 'phone_number' LIKE '%' || :search || '%')"
                : ""
        )
    }

    /// Newest first, up to `:limit` placed before `:before`, live and archived, narrowed by the
    /// conditions given (on `o`, a live order, and `l`, an archived document).
    static func page(_ name: String, live: String, archived: String) -> PostgresStatement {
        PostgresStatement(
            name,
            named: """
                WITH chosen AS (
                    SELECT o.* FROM orders o
                    WHERE o.created_at < :before \(live)
                    ORDER BY o.created_at DESC LIMIT :limit
                )\(OrderDocument.aggregates(of: "chosen")), live AS (
                    SELECT c.created_at AS at, \(OrderDocument.body("c", archivedAt: "NULL::timestamptz")) AS body
                    FROM chosen c \(OrderDocument.joins("c"))
                ), archived AS (
                    SELECT l.at, l.body FROM history.order_logs l
                    WHERE l.at < :before \(archived)
                    ORDER BY l.at DESC LIMIT :limit
                )
                SELECT coalesce(jsonb_agg(body ORDER BY at DESC), '[]'::jsonb)::text AS orders,
                       min(at) AS oldest, count(*)::int AS n
                FROM (SELECT * FROM (SELECT * FROM live UNION ALL SELECT * FROM archived) a ORDER BY at DESC LIMIT :limit) page
                """
        )
    }
    static let browse = page(searching: false)
    static let search = page(searching: true)

    /// Up to `limit` orders placed before `before`, newest first, as a JSON array of documents, and
    /// the time to ask the next page from (nil when this one was not full). `search` matches the
    /// start of an order id or digits of the customer's number.
    public static func page(
        before: Date,
        search: String?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> (documents: String, next: Date?) {
        let row =
            if let search {
                try await connection.query(
                    OrderHistory.search,
                    ["before": before, "limit": limit, "search": search]
                )[0]
            } else {
                try await connection.query(browse, ["before": before, "limit": limit])[0]
            }
        return try documents(row, limit: limit)
    }

    static func documents(_ row: PostgresRow, limit: Int) throws -> (documents: String, next: Date?) {
        let count = try row.decode(Int.self, "n")
        return (try row.decode(String.self, "orders"), count < limit ? nil : try row.decode(Date?.self, "oldest"))
    }

    static let customer = page(
        "history.customer",
        live: "AND (o.customer_phone_number = :phone OR o.whatsapp_user_id = :user)",
        archived: """
            AND (l.body -> 'customer' ->> 'phone_number' = :phone OR l.body -> 'customer' ->> 'whatsapp_user_id' = :user)
            """
    )

    /// One customer's orders (by phone or WhatsApp user id), newest first, as `page` answers.
    public static func customer(
        phone: String?,
        userID: String?,
        before: Date,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> (documents: String, next: Date?) {
        let row = try await connection.query(
            customer,
            ["before": before, "limit": limit, "phone": phone, "user": userID]
        )[0]
        return try documents(row, limit: limit)
    }

    /// A message of the conversation around an order.
    public struct Message: Sendable {
        public let at: Date
        public let inbound: Bool
        public let text: String
    }

    static let conversation = PostgresStatement(
        "history.conversation",
        """
        SELECT m.sent_at, m.direction::text = 'inbound' AS inbound, coalesce(m.text, '[' || m.message_type || ']') AS text
        FROM audit.message_logs m
        WHERE (m.customer_phone_number = $1 OR m.whatsapp_user_id = $2)
          AND m.sent_at BETWEEN $3::timestamptz - interval '2 hours' AND $3::timestamptz + interval '2 hours'
        ORDER BY m.sent_at, m.id LIMIT 200
        """
    )

    /// The customer's WhatsApp messages from two hours before to two hours after `around`.
    public static func conversation(
        phone: String?,
        userID: String?,
        around: Date,
        on connection: PostgresConnection
    ) async throws -> [Message] {
        try await connection.query(conversation, [phone, userID, around]).map { row in
            Message(
                at: try row.decode(Date.self, "sent_at"),
                inbound: try row.decode(Bool.self, "inbound"),
                text: try row.decode(String.self, "text")
            )
        }
    }
}
