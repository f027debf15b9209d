public import Foundation
public import TalabCore

/// The messages exchanged with customers: the append-only log (`audit.message_logs`), the replies
/// queued for the sender, delivery statuses, and bodies addressed to numbers nobody owns.
public enum MessageLog {
    /// A handled inbound message, as it is logged.
    public struct Inbound: Sendable {
        public var business: UUID
        public var branch: UUID?
        public var customer: WhatsAppCustomer
        /// The number it was sent to; replies are queued only when there is one.
        public var phoneNumberID: String?
        public var type: String
        /// The customer's text; kept in the database, never logged by the process.
        public var text: String?
        public var messageID: String?
        public var contextMessageID: String?
        public var sentAt: Date
        /// The language it was read in (`language_used`); nil when unknown.
        public var language: Language?
        /// Whether a language model was asked about it, and what that cost (SPEC §3.2).
        public var model: ModelUse?

        public init(business: UUID, customer: WhatsAppCustomer, type: String, sentAt: Date) {
            self.business = business
            self.customer = customer
            self.type = type
            self.sentAt = sentAt
        }
    }

    /// Logs the handled inbound message (once per Meta id), and queues its replies in order.
    static let answer = PostgresStatement(
        "messages.answer",
        named: """
            WITH logged AS (
                INSERT INTO audit.message_logs (business_id, branch_id, customer_id, customer_phone_number,
                                                whatsapp_user_id, direction, message_type, text, meta_message_id,
                                                context_message_id, sent_at, language_used, llm_used, tokens_in,
                                                tokens_out, latency_ms)
                VALUES (:business, :branch, :customer, :wa_id, :user_id, 'inbound', :type, :text, :message_id,
                        :context_message_id, :sent_at, :language::customer_language, :llm_used, :tokens_in,
                        :tokens_out, :latency_ms)
                ON CONFLICT (business_id, direction, meta_message_id) WHERE meta_message_id IS NOT NULL DO NOTHING
                RETURNING id
            )
            INSERT INTO outbound_messages (business_id, branch_id, customer_id, phone_number_id, body)
            SELECT :business, :branch, :customer, :phone_number_id, reply.body::jsonb
            FROM unnest(:replies::text[]) WITH ORDINALITY AS reply(body, n)
            WHERE :phone_number_id::text IS NOT NULL
            ORDER BY reply.n
            """
    )

    /// Logs `message` and queues `replies` (Graph API request bodies, JSON) in one statement, itself
    /// queued on the connection: it travels with the transaction's next statement or its commit.
    public static func log(
        _ message: Inbound,
        queueing replies: [String],
        on connection: PostgresConnection
    )
        async throws
    {
        try await connection.queue(
            answer,
            [
                "business": message.business, "branch": message.branch, "customer": message.customer.id,
                "phone_number_id": message.phoneNumberID, "wa_id": message.customer.waID,
                "user_id": message.customer.userID, "type": message.type, "text": message.text,
                "message_id": message.messageID, "context_message_id": message.contextMessageID,
                "sent_at": message.sentAt, "language": message.language?.rawValue,
                "replies": PostgresTextArray(replies), "llm_used": message.model != nil,
                "tokens_in": message.model?.tokensIn, "tokens_out": message.model?.tokensOut,
                "latency_ms": message.model?.latencyMilliseconds,
            ]
        )
        if let model = message.model {
            try await connection.queue(
                countModelUse,
                [message.business, model.tokensIn ?? 0, model.tokensOut ?? 0, model.failed ? 1 : 0]
            )
        }
    }

    /// A language model's part in one message: its tokens and time (nil when it never answered),
    /// and whether it gave the engine nothing it could use.
    public struct ModelUse: Sendable, Equatable {
        public var tokensIn: Int?
        public var tokensOut: Int?
        public var latencyMilliseconds: Int
        public var failed: Bool

        public init(tokensIn: Int?, tokensOut: Int?, latencyMilliseconds: Int, failed: Bool) {
            self.tokensIn = tokensIn
            self.tokensOut = tokensOut
            self.latencyMilliseconds = latencyMilliseconds
            self.failed = failed
        }
    }

    static let countModelUse = PostgresStatement(
        "messages.count_model_use",
        """
        INSERT INTO llm_usage (business_id, day, calls, tokens_in, tokens_out, failures)
        VALUES ($1, (now() AT TIME ZONE 'UTC')::date, 1, $2, $3, $4)
        ON CONFLICT (business_id, day) DO UPDATE SET calls = llm_usage.calls + 1,
            tokens_in = llm_usage.tokens_in + excluded.tokens_in, tokens_out = llm_usage.tokens_out + excluded.tokens_out,
            failures = llm_usage.failures + excluded.failures
        """
    )

    static let recentTurns = PostgresStatement(
        "messages.recent_turns",
        """
        SELECT m.direction::text AS direction, left(m.text, 300) AS text
        FROM whatsapp_customers c
        JOIN LATERAL (
            SELECT direction, text, sent_at FROM audit.message_logs
            WHERE customer_id = c.id AND text IS NOT NULL AND logged_at > now() - $4 * interval '1 second'
            ORDER BY sent_at DESC, id DESC LIMIT $5
        ) m ON true
        WHERE c.business_id = $1 AND (c.wa_id = $2 OR c.user_id = $3)
        ORDER BY m.sent_at
        """
    )

    /// The customer's last few messages with the business and the business's replies, oldest
    /// first, within `seconds` (a language model's "last turns"), each at most 300 characters.
    public static func recentTurns(
        business: UUID,
        waID: String?,
        userID: String?,
        within seconds: Int,
        limit: Int = 6,
        on connection: PostgresConnection
    ) async throws -> [(inbound: Bool, text: String)] {
        try await connection.query(recentTurns, [business, waID, userID, seconds, limit]).map {
            (try $0.decode(String.self, "direction") == "inbound", try $0.decode(String.self, "text"))
        }
    }

    static let modelTokensToday = PostgresStatement(
        "messages.model_tokens_today",
        """
        SELECT coalesce(sum(tokens_in + tokens_out), 0)::bigint AS tokens FROM llm_usage
        WHERE business_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date
        """
    )

    /// The tokens a business's conversations spent on a language model today (UTC).
    public static func modelTokensToday(business: UUID, on connection: PostgresConnection) async throws -> Int {
        try await connection.query(modelTokensToday, [business])[0].decode(Int.self, "tokens")
    }

    /// What Meta reported of a message the business sent.
    public struct Status: Sendable {
        public var messageID: String
        public var business: UUID
        public var status: String
        /// sent < failed < delivered < read < played: a status only replaces a lower one.
        public var rank: Int
        public var errorCode: Int?
        public var errorTitle: String?
        public var at: Date

        public init(messageID: String, business: UUID, status: String, rank: Int, at: Date) {
            self.messageID = messageID
            self.business = business
            self.status = status
            self.rank = rank
            self.at = at
        }
    }

    static let moveStatus = PostgresStatement(
        "messages.status",
        named: """
            INSERT INTO message_delivery (meta_message_id, business_id, status, rank, error_code, error_title, status_at)
            VALUES (:message_id, :business, :status, :rank, :error_code, :error_title, :at)
            ON CONFLICT (meta_message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank,
                error_code = excluded.error_code, error_title = excluded.error_title, status_at = excluded.status_at,
                updated_at = now()
            WHERE excluded.rank > message_delivery.rank
            """
    )

    /// Records a delivery status unless the message already has a higher one (a queued write).
    public static func record(_ status: Status, on connection: PostgresConnection) async throws {
        try await connection.queue(
            moveStatus,
            [
                "message_id": status.messageID, "business": status.business, "status": status.status,
                "rank": status.rank, "error_code": status.errorCode, "error_title": status.errorTitle,
                "at": status.at,
            ]
        )
    }

    static let countUnroutable = PostgresStatement(
        "messages.unroutable",
        """
        INSERT INTO webhook_unroutable (phone_number_id, payloads) VALUES ($1, 1)
        ON CONFLICT (phone_number_id) DO UPDATE SET payloads = webhook_unroutable.payloads + 1, last_seen_at = now()
        """
    )

    /// Counts a body addressed to a number no business owns (for the operator; a queued write).
    public static func countUnroutable(phoneNumberID: String, on connection: PostgresConnection) async throws {
        try await connection.queue(countUnroutable, [phoneNumberID])
    }
}
