import Foundation
import Logging
import TalabCore
import TalabStore

/// Handles one stored webhook body inside a transaction: routes it to a tenant, knows the customer,
/// logs each message once, moves statuses forward, and queues the replies.
public struct WebhookProcessor: Sendable {
    public let catalog: CatalogCache
    public let handler: any ConversationHandler
    public let logger: Logger

    public init(catalog: CatalogCache, handler: any ConversationHandler, logger: Logger) {
        self.catalog = catalog
        self.handler = handler
        self.logger = logger
    }

    /// What one body contained and what became of it.
    public struct Summary: Sendable, Equatable {
        public var messages = 0
        public var duplicates = 0
        public var statuses = 0
        public var unroutable = 0
        public var replies = 0
        public var ignored = 0
        /// Messages beyond `maxMessages` and statuses beyond `maxStatuses` in one body: not handled.
        public var dropped = 0
        /// Texts longer than WhatsApp allows, cut to it.
        public var truncated = 0
    }

    /// One body is one customer's moment; Meta batches a few. Past these, the rest of a body is
    /// dropped (and counted) rather than turned into thousands of rows and Graph API calls.
    public static let maxMessages = 100
    public static let maxStatuses = 1_000

    public func process(_ body: [UInt8], on connection: PostgresConnection) async throws -> Summary {
        let payload = WebhookPayload.read(body)
        var summary = Summary()
        summary.ignored = payload.skipped
        var taken = 0
        let snapshot: CatalogSnapshot
        if let current = catalog.snapshot { snapshot = current } else { snapshot = try await catalog.refresh() }
        for (field, value) in payload.values {
            guard field == nil || field == "messages" else {
                summary.ignored += 1
                continue
            }
            for error in value.errors {
                // Meta's out-of-band errors (a number's problem, not a message's): for the operator.
                logger.warning(
                    "Cloud API reported an error",
                    metadata: [
                        "phone_number_id": "\(value.phoneNumberID ?? "?")", "code": "\(error.code ?? 0)",
                        "title": "\(error.title ?? "")",
                    ]
                )
            }
            guard !value.messages.isEmpty || !value.statuses.isEmpty else { continue }
            let route = snapshot.route(phoneNumberID: value.phoneNumberID)
            let (business, branch): (CatalogSnapshot.Business, CatalogSnapshot.Branch?)
            switch route {
            case .branch(let owner, let place): (business, branch) = (owner, place)
            case .business(let owner): (business, branch) = (owner, nil)
            case .unroutable:
                summary.unroutable += 1
                try await connection.query(WebhookProcessor.countUnroutable, [value.phoneNumberID ?? "(none)"])
                continue
            }
            for status in value.statuses {
                guard summary.statuses < WebhookProcessor.maxStatuses else {
                    summary.dropped += 1
                    continue
                }
                try await record(status, business: business.id, on: connection)
                summary.statuses += 1
            }
            for message in value.messages {
                guard taken < WebhookProcessor.maxMessages else {
                    summary.dropped += 1
                    continue
                }
                taken += 1
                if message.truncated { summary.truncated += 1 }
                try await handle(
                    message,
                    in: value,
                    business: business,
                    branch: branch,
                    summary: &summary,
                    on: connection
                )
            }
        }
        if summary.dropped > 0 || summary.truncated > 0 {
            logger.warning(
                "webhook body beyond the limits",
                metadata: ["dropped": "\(summary.dropped)", "truncated_texts": "\(summary.truncated)"]
            )
        }
        return summary
    }

    private func handle(
        _ message: InboundMessage,
        in value: WebhookPayload.Value,
        business: CatalogSnapshot.Business,
        branch: CatalogSnapshot.Branch?,
        summary: inout Summary,
        on connection: PostgresConnection
    ) async throws {
        let contact = value.contact(for: message)
        let userID = message.fromUserID ?? contact?.userID
        let waID = message.from ?? contact?.waID
        guard userID != nil || waID != nil else {
            summary.ignored += 1
            return
        }
        // Who wrote, and the message's receipt, in one statement: no new receipt means a redelivery.
        let received = try await connection.query(
            WebhookProcessor.receive,
            [business.id, userID, waID, contact?.name, contact?.username, message.timestamp ?? Date(), message.id]
        )[0]
        let customer = try Customers.customer(received)
        let context = value.phoneNumberID.map { phoneNumberID in
            InboundContext(
                business: business,
                branch: branch,
                customer: customer,
                message: message,
                phoneNumberID: phoneNumberID
            )
        }
        guard try received.decode(Bool.self, "fresh") else {
            summary.duplicates += 1
            return
        }
        summary.messages += 1
        if case .system(let system) = message.content {
            try await Customers.apply(system, to: customer, business: business.id, on: connection)
        }
        var handled = HandledMessage(replies: [])
        if let context { handled = try await handler.handle(context, on: connection) }
        // The message's log row, with the language the handler read, and the replies, in one statement.
        let bodies =
            customer.recipient.map { recipient in
                handled.replies.map { String(decoding: JSONValue.encode($0.requestBody(to: recipient)), as: UTF8.self) }
            } ?? []
        try await connection.query(
            WebhookProcessor.answer,
            [
                business.id, branch?.id, customer.id, value.phoneNumberID, customer.waID, customer.userID,
                message.type ?? "unknown", message.text, message.id, message.contextMessageID,
                message.timestamp ?? Date(), handled.language?.rawValue, PostgresTextArray(bodies),
            ]
        )
        summary.replies += bodies.count
    }

    private func record(_ status: DeliveryStatus, business: UUID, on connection: PostgresConnection) async throws {
        guard let id = status.messageID, let rank = status.rank, let name = status.status else { return }
        let error = status.errors.first
        try await connection.query(
            WebhookProcessor.moveStatus,
            [id, business, name, rank, error?.code, error?.title, status.timestamp ?? Date()]
        )
    }

    static let countUnroutable = PostgresStatement(
        "webhook.unroutable",
        """
        INSERT INTO webhook_unroutable (phone_number_id, payloads) VALUES ($1, 1)
        ON CONFLICT (phone_number_id) DO UPDATE SET payloads = webhook_unroutable.payloads + 1, last_seen_at = now()
        """
    )
    /// Knows the customer (`Customers.upsert`) and takes the message's receipt ($7) unless this
    /// business already has it: `fresh` is false for a message seen before (a message without an id
    /// is always fresh).
    static let receive = PostgresStatement(
        "webhook.receive",
        """
        WITH \(Customers.upsert), receipt AS (
            INSERT INTO inbound_receipts (business_id, meta_message_id, customer_id, sent_at)
            SELECT $1, $7, c.id, $6 FROM customer c WHERE $7::text IS NOT NULL
            ON CONFLICT (business_id, meta_message_id) DO NOTHING
            RETURNING 1
        )
        SELECT c.id, c.user_id, c.wa_id, c.profile_name, ($7::text IS NULL OR EXISTS (SELECT 1 FROM receipt)) AS fresh
        FROM customer c
        """
    )
    /// Logs the handled inbound message with the language it was read in ($12), append-only, and
    /// queues the replies in order ($13).
    static let answer = PostgresStatement(
        "webhook.answer",
        """
        WITH logged AS (
            INSERT INTO audit.message_logs (business_id, branch_id, customer_id, customer_phone_number,
                                            whatsapp_user_id, direction, message_type, text, meta_message_id,
                                            context_message_id, sent_at, language_used)
            VALUES ($1, $2, $3, $5, $6, 'inbound', $7, $8, $9, $10, $11, $12::customer_language)
            ON CONFLICT (business_id, direction, meta_message_id) WHERE meta_message_id IS NOT NULL DO NOTHING
            RETURNING id
        )
        INSERT INTO outbound_messages (business_id, branch_id, customer_id, phone_number_id, body)
        SELECT $1, $2, $3, $4, reply.body::jsonb FROM unnest($13::text[]) WITH ORDINALITY AS reply(body, n)
        WHERE $4::text IS NOT NULL
        ORDER BY reply.n
        """
    )
    /// sent < failed < delivered < read < played: a status only replaces a lower one.
    static let moveStatus = PostgresStatement(
        "webhook.status",
        """
        INSERT INTO message_delivery (meta_message_id, business_id, status, rank, error_code, error_title, status_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (meta_message_id) DO UPDATE SET status = excluded.status, rank = excluded.rank,
            error_code = excluded.error_code, error_title = excluded.error_title, status_at = excluded.status_at,
            updated_at = now()
        WHERE excluded.rank > message_delivery.rank
        """
    )
}
