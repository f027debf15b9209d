public import Foundation

/// A customer of one business, as the runtime knows them.
public struct WhatsAppCustomer: Sendable, Hashable {
    public let id: UUID
    /// WhatsApp's business-scoped user id, when WhatsApp gives one.
    public let userID: String?
    /// The phone number, when WhatsApp gives one.
    public let waID: String?
    public let name: String?

    public init(id: UUID, userID: String?, waID: String?, name: String?) {
        self.id = id
        self.userID = userID
        self.waID = waID
        self.name = name
    }
}

/// Customers per business, known by business-scoped user id when WhatsApp gives one, else by phone,
/// and the receipts of the messages they sent.
public enum WhatsAppCustomers {
    /// What an inbound message tells of its sender.
    public struct Arrival: Sendable {
        public var business: UUID
        public var userID: String?
        public var waID: String?
        public var profileName: String?
        public var username: String?
        /// When the customer sent it: the latest one seen opens WhatsApp's 24-hour service window.
        public var sentAt: Date
        /// Meta's id of the message; nil for a message without one (always fresh).
        public var messageID: String?

        public init(business: UUID, userID: String?, waID: String?, sentAt: Date, messageID: String?) {
            self.business = business
            self.userID = userID
            self.waID = waID
            self.sentAt = sentAt
            self.messageID = messageID
        }
    }

    /// Finds the customer by user id, else by phone when not yet tied to another user id; touches
    /// them with what the message tells, or adds them; and takes the message's receipt unless this
    /// business already has it: `fresh` is false for a message seen before.
    ///
    /// A message without a user id (most) is looked up by number alone, in a statement of its own: the
    /// user id branch, planned once for every message, walked all of a business's customers when
    /// the column held only NULLs (the planner's estimate for `user_id = $2` was one row whichever
    /// index it took; measured 0.3 ms a message at 2,000 customers, issue #20).
    static let receive = receiveStatement(byUserID: true)
    static let receiveByNumber = receiveStatement(byUserID: false)

    static func receiveStatement(byUserID: Bool) -> PostgresStatement {
        let candidates =
            byUserID
            ? """
            SELECT id FROM (
                SELECT id, 0 AS rank, created_at FROM whatsapp_customers
                WHERE business_id = :business AND user_id = :user_id
                UNION ALL
                SELECT id, 1, created_at FROM whatsapp_customers
                WHERE business_id = :business AND wa_id = :wa_id AND user_id IS NULL
            ) candidates ORDER BY rank, created_at LIMIT 1
            """
            : """
            SELECT id FROM whatsapp_customers WHERE business_id = :business AND wa_id = :wa_id
            ORDER BY created_at LIMIT 1
            """
        return PostgresStatement(
            byUserID ? "customers.receive" : "customers.receive_by_number",
            named: """
                WITH found AS (
                    \(candidates)
                ), touched AS (
                    UPDATE whatsapp_customers SET user_id = coalesce(:user_id, user_id), wa_id = coalesce(:wa_id, wa_id),
                        profile_name = coalesce(:profile_name, profile_name), username = coalesce(:username, username),
                        last_inbound_at = greatest(last_inbound_at, :sent_at), updated_at = now()
                    WHERE id = (SELECT id FROM found) RETURNING id, user_id, wa_id, profile_name
                ), added AS (
                    INSERT INTO whatsapp_customers (business_id, user_id, wa_id, profile_name, username, last_inbound_at)
                    SELECT :business, :user_id, :wa_id, :profile_name, :username, :sent_at
                    WHERE NOT EXISTS (SELECT 1 FROM found)
                    RETURNING id, user_id, wa_id, profile_name
                ), customer AS (
                    SELECT * FROM touched UNION ALL SELECT * FROM added
                ), receipt AS (
                    INSERT INTO inbound_receipts (business_id, meta_message_id, customer_id, sent_at)
                    SELECT :business, :message_id, c.id, :sent_at FROM customer c WHERE :message_id::text IS NOT NULL
                    ON CONFLICT (business_id, meta_message_id) DO NOTHING
                    RETURNING 1
                )
                SELECT c.id, c.user_id, c.wa_id, c.profile_name,
                       (:message_id::text IS NULL OR EXISTS (SELECT 1 FROM receipt)) AS fresh
                FROM customer c
                """
        )
    }

    /// The customer a message comes from, and whether the message is new (not a redelivery).
    public static func receive(
        _ arrival: Arrival,
        on connection: PostgresConnection
    ) async throws -> (customer: WhatsAppCustomer, fresh: Bool) {
        let row = try await connection.query(
            arrival.userID == nil ? receiveByNumber : receive,
            [
                "business": arrival.business, "user_id": arrival.userID, "wa_id": arrival.waID,
                "profile_name": arrival.profileName, "username": arrival.username, "sent_at": arrival.sentAt,
                "message_id": arrival.messageID,
            ]
        )[0]
        let customer = WhatsAppCustomer(
            id: try row.decode(UUID.self, "id"),
            userID: try row.decode(String?.self, "user_id"),
            waID: try row.decode(String?.self, "wa_id"),
            name: try row.decode(String?.self, "profile_name")
        )
        return (customer, try row.decode(Bool.self, "fresh"))
    }

    static let changeNumber = PostgresStatement(
        "customers.change_number",
        "UPDATE whatsapp_customers SET wa_id = $2, updated_at = now() WHERE id = $1"
    )
    static let changeUserID = PostgresStatement(
        "customers.change_user_id",
        "UPDATE whatsapp_customers SET user_id = $2, updated_at = now() WHERE id = $1"
    )

    /// The customer changed their number, as WhatsApp reports: same customer, same history.
    public static func changeNumber(
        of customer: UUID,
        to number: String,
        on connection: PostgresConnection
    )
        async throws
    {
        try await connection.query(changeNumber, [customer, number])
    }

    /// WhatsApp gave the customer another user id: same customer, same history.
    public static func changeUserID(of customer: UUID, to id: String, on connection: PostgresConnection) async throws {
        try await connection.query(changeUserID, [customer, id])
    }

    static let lastInbound = PostgresStatement(
        "customers.last_inbound",
        "SELECT last_inbound_at AS last FROM whatsapp_customers WHERE id = $1"
    )

    /// When the customer's latest message was sent; nil when they never wrote (or are not known).
    public static func lastInbound(of customer: UUID, on connection: PostgresConnection) async throws -> Date? {
        try await connection.query(lastInbound, [customer]).first?.decode(Date?.self, "last")
    }
}
