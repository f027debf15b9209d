public import Foundation
public import TalabCore

/// What the customer side reads of the orders: a customer's latest order, a branch's bookings, whom to notify.
extension OrderStore {
    static let latestOrder = PostgresStatement(
        "orders.latest_of_customer",
        """
        SELECT id, status::text AS status FROM orders
        WHERE business_id = $1 AND (customer_phone_number = $2 OR whatsapp_user_id = $3)
          AND created_at > now() - interval '2 days'
        ORDER BY created_at DESC LIMIT 1
        """
    )

    /// The customer's latest order of the last two days (by phone or user id), with its status.
    public static func latestOrder(
        business: UUID,
        phone: String?,
        userID: String?,
        on connection: PostgresConnection
    ) async throws -> (id: UUID, status: String)? {
        guard let row = try await connection.query(latestOrder, [business, phone, userID]).first else { return nil }
        return (try row.decode(UUID.self, "id"), try row.decode(String.self, "status"))
    }

    static let lastOrderLines = PostgresStatement(
        "orders.last_lines_of_customer",
        """
        WITH last AS (
            SELECT id FROM orders
            WHERE business_id = $1 AND (customer_phone_number = $2 OR whatsapp_user_id = $3) AND status <> 'cancelled'
            ORDER BY created_at DESC LIMIT 1
        )
        SELECT i.key::text AS item, oi.quantity,
               coalesce(array_agg(g.key || '/' || o.key ORDER BY g.key, o.key) FILTER (WHERE o.id IS NOT NULL), '{}')::text[] AS options
        FROM last JOIN order_items oi ON oi.order_id = last.id JOIN items i ON i.id = oi.item_id
        LEFT JOIN order_item_options oo ON oo.order_item_id = oi.id
        LEFT JOIN item_options o ON o.id = oo.item_option_id
        LEFT JOIN item_option_groups g ON g.id = o.group_id
        GROUP BY oi.id, i.key, oi.quantity, oi.position ORDER BY oi.position, oi.id
        """
    )

    static let archivedLastOrder = PostgresStatement(
        "orders.archived_last_of_customer",
        """
        SELECT lines::text AS lines FROM customer_last_orders
        WHERE business_id = $1 AND (customer_phone_number = $2 OR whatsapp_user_id = $3)
        ORDER BY ordered_at DESC LIMIT 1
        """
    )

    /// One line of an order as "the same again" reads it.
    struct RememberedLine: Decodable {
        let item: String
        let quantity: Int
        let options: [String]
    }

    /// The lines of the customer's last order not cancelled: in the live tables, else the last
    /// completed one the archiver kept (`customer_last_orders`). Item key, quantity, choices as
    /// `group/choice`.
    public static func lastOrderLines(
        business: UUID,
        phone: String?,
        userID: String?,
        on connection: PostgresConnection
    ) async throws -> [(item: String, quantity: Int, options: [String])] {
        let live = try await connection.query(lastOrderLines, [business, phone, userID]).map {
            (
                try $0.decode(String.self, "item"), try $0.decode(Int.self, "quantity"),
                try $0.decode([String].self, "options")
            )
        }
        guard live.isEmpty else { return live }
        guard let row = try await connection.query(archivedLastOrder, [business, phone, userID]).first else {
            return []
        }
        return try JSONDecoder().decode([RememberedLine].self, from: Data(try row.decode(String.self, "lines").utf8))
            .map { ($0.item, $0.quantity, $0.options) }
    }

    static let upcomingBookings = PostgresStatement(
        "orders.upcoming_bookings",
        """
        SELECT i.key::text AS item_key, lower(b.during) AS starts, upper(b.during) AS ends, b.places
        FROM bookings b JOIN orders o ON o.id = b.order_id JOIN items i ON i.id = b.item_id
        WHERE b.branch_id = $1 AND o.status <> 'cancelled'
          AND lower(b.during) < $2::timestamptz + interval '8 days' AND upper(b.during) > $2::timestamptz
        """
    )

    /// The branch's bookings of orders not cancelled that overlap the eight days from `now`.
    public static func upcomingBookings(
        branch: UUID,
        from now: Date,
        on connection: PostgresConnection
    ) async throws -> [BookingCalendar.Booking] {
        try await connection.query(upcomingBookings, [branch, now]).map { row in
            BookingCalendar.Booking(
                itemKey: try row.decode(String.self, "item_key"),
                start: try row.decode(Date.self, "starts"),
                end: try row.decode(Date.self, "ends"),
                places: try row.decode(Int.self, "places")
            )
        }
    }
}

extension OrderStore {
    /// Whom to tell that an order moved, and how.
    public struct Notice: Sendable {
        public let business: UUID
        public let branch: UUID
        /// The customer who placed it (the one of their records written to last).
        public let customer: WhatsAppCustomer
        /// The branch's number, else the business's; nil when neither has one.
        public let phoneNumberID: String?
        /// The language the order was placed in, else the business's default.
        public let language: Language
        /// The business answers Arabizi in Arabic script.
        public let arabiziInArabic: Bool
        /// The utility template for a customer outside WhatsApp's 24-hour window.
        public let template: String
    }

    static let notice = PostgresStatement(
        "orders.notice",
        """
        SELECT o.business_id, o.branch_id, c.id AS customer_id, c.wa_id, c.user_id,
               coalesce(b.whatsapp_phone_number_id, u.whatsapp_phone_number_id) AS phone_number_id,
               coalesce(o.language_used::text, u.default_language::text, 'english') AS language,
               u.arabizi_replies, u.order_update_template
        FROM orders o JOIN users u ON u.id = o.business_id JOIN branches b ON b.id = o.branch_id
        JOIN whatsapp_customers c ON c.business_id = o.business_id
             AND (c.wa_id = o.customer_phone_number OR c.user_id = o.whatsapp_user_id)
        WHERE o.id = $1 ORDER BY c.updated_at DESC LIMIT 1
        """
    )

    /// How to reach the customer of `order`; nil when the order or its customer is not known.
    public static func notice(of order: UUID, on connection: PostgresConnection) async throws -> Notice? {
        guard let row = try await connection.query(notice, [order]).first else { return nil }
        return Notice(
            business: try row.decode(UUID.self, "business_id"),
            branch: try row.decode(UUID.self, "branch_id"),
            customer: WhatsAppCustomer(
                id: try row.decode(UUID.self, "customer_id"),
                userID: try row.decode(String?.self, "user_id"),
                waID: try row.decode(String?.self, "wa_id"),
                name: nil
            ),
            phoneNumberID: try row.decode(String?.self, "phone_number_id"),
            language: Language(rawValue: try row.decode(String.self, "language")) ?? .english,
            arabiziInArabic: try row.decode(String.self, "arabizi_replies") == "arabic",
            template: try row.decode(String.self, "order_update_template")
        )
    }
}
