import Foundation
public import Logging
import TalabCore
public import TalabStore

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

    /// Outside the transaction that will process `body`: what the handler prepares for each of its
    /// messages (a language model's proposal), by message id. Nothing is written.
    public func prepare(_ body: [UInt8], pool: PostgresPool) async -> [String: PendingAdvice] {
        guard handler.prepares else { return [:] }
        let payload = WebhookPayload.read(body)
        var snapshot = catalog.snapshot
        if snapshot == nil { snapshot = try? await catalog.refresh() }
        guard let snapshot else { return [:] }
        var advice: [String: PendingAdvice] = [:]
        for (field, value) in payload.values where field == nil || field == "messages" {
            let (business, branch): (CatalogSnapshot.Business, CatalogSnapshot.Branch?)
            switch snapshot.route(phoneNumberID: value.phoneNumberID) {
            case .branch(let owner, let place): (business, branch) = (owner, place)
            case .business(let owner): (business, branch) = (owner, nil)
            case .unroutable: continue
            }
            for message in value.messages.prefix(WebhookProcessor.maxMessages) {
                guard let id = message.id else { continue }
                let contact = value.contact(for: message)
                let arriving = ArrivingMessage(
                    business: business,
                    branch: branch,
                    message: message,
                    waID: message.from ?? contact?.waID,
                    userID: message.fromUserID ?? contact?.userID
                )
                if let prepared = await handler.prepare(arriving, pool: pool) { advice[id] = prepared }
            }
        }
        return advice
    }

    public func process(
        _ body: [UInt8],
        on connection: PostgresConnection,
        advice: [String: ModelAdvice] = [:]
    ) async throws -> Summary {
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
                try await MessageLog.countUnroutable(phoneNumberID: value.phoneNumberID ?? "(none)", on: connection)
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
                    advice: message.id.flatMap { advice[$0] },
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
        advice: ModelAdvice?,
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
        var arrival = WhatsAppCustomers.Arrival(
            business: business.id,
            userID: userID,
            waID: waID,
            sentAt: message.timestamp ?? Date(),
            messageID: message.id
        )
        arrival.profileName = contact?.name
        arrival.username = contact?.username
        let (customer, fresh) = try await WhatsAppCustomers.receive(arrival, on: connection)
        let context = value.phoneNumberID.map { phoneNumberID in
            InboundContext(
                business: business,
                branch: branch,
                customer: customer,
                message: message,
                phoneNumberID: phoneNumberID,
                advice: advice
            )
        }
        guard fresh else {
            summary.duplicates += 1
            return
        }
        summary.messages += 1
        if case .system(let system) = message.content {
            try await WebhookProcessor.apply(system, to: customer, on: connection)
        }
        var handled = HandledMessage(replies: [])
        if let context { handled = try await handler.handle(context, on: connection) }
        // The message's log row, with the language the handler read, and the replies, in one statement.
        let bodies =
            customer.recipient.map { recipient in
                handled.replies.map { String(decoding: JSONValue.encode($0.requestBody(to: recipient)), as: UTF8.self) }
            } ?? []
        var logged = MessageLog.Inbound(
            business: business.id,
            customer: customer,
            type: message.type ?? "unknown",
            sentAt: message.timestamp ?? Date()
        )
        logged.branch = branch?.id
        logged.phoneNumberID = value.phoneNumberID
        logged.text = message.text
        logged.messageID = message.id
        logged.contextMessageID = message.contextMessageID
        logged.language = handled.language
        logged.model = handled.model
        try await MessageLog.log(logged, queueing: bodies, on: connection)
        summary.replies += bodies.count
    }

    private func record(_ status: DeliveryStatus, business: UUID, on connection: PostgresConnection) async throws {
        guard let id = status.messageID, let rank = status.rank, let name = status.status else { return }
        var recorded = MessageLog.Status(
            messageID: id,
            business: business,
            status: name,
            rank: rank,
            at: status.timestamp ?? Date()
        )
        recorded.errorCode = status.errors.first?.code
        recorded.errorTitle = status.errors.first?.title
        try await MessageLog.record(recorded, on: connection)
    }

    /// A change of number or of user id that WhatsApp reports: same customer, same history.
    static func apply(
        _ system: InboundMessage.System,
        to customer: WhatsAppCustomer,
        on connection: PostgresConnection
    ) async throws {
        switch system.type {
        case "user_changed_number":
            if let number = system.newWaID {
                try await WhatsAppCustomers.changeNumber(of: customer.id, to: number, on: connection)
            }
        case "user_changed_user_id":
            if let id = system.newUserID {
                try await WhatsAppCustomers.changeUserID(of: customer.id, to: id, on: connection)
            }
        default: break
        }
    }
}
