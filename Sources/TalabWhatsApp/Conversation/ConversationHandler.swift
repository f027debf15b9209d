import Foundation
public import TalabCore
public import TalabStore

/// One inbound message, with the business, branch and customer it belongs to.
public struct InboundContext: Sendable {
    public let business: CatalogSnapshot.Business
    /// Nil when the number is the business's and it has several branches: the conversation asks.
    public let branch: CatalogSnapshot.Branch?
    public let customer: WhatsAppCustomer
    public let message: InboundMessage
    public let phoneNumberID: String
    /// A language model's proposal for this message, made before its transaction.
    public var advice: ModelAdvice?
}

/// One inbound message before its transaction: what a handler may prepare outside it.
public struct ArrivingMessage: Sendable {
    public let business: CatalogSnapshot.Business
    public let branch: CatalogSnapshot.Branch?
    public let message: InboundMessage
    public let waID: String?
    public let userID: String?
}

/// Decides the replies to a message. It runs inside the transaction that logs the message, so its
/// own writes (carts, orders) commit with it, exactly once; the replies are sent after the commit.
public protocol ConversationHandler: Sendable {
    func replies(to context: InboundContext, on connection: PostgresConnection) async throws -> [OutboundMessage]
    /// The replies, and the language the message was written in (logged with it); by default the
    /// replies alone.
    func handle(_ context: InboundContext, on connection: PostgresConnection) async throws -> HandledMessage
    /// Whether `prepare` has work to do outside the message's transaction.
    var prepares: Bool { get }
    /// Work done before the message's transaction and outside it (a language model's call): by
    /// default none.
    func prepare(_ message: ArrivingMessage, pool: PostgresPool) async -> PendingAdvice?
}

/// What a handler made of one message.
public struct HandledMessage: Sendable {
    public var replies: [OutboundMessage]
    /// The language it was written in (`language_used` of its log row); nil when unknown.
    public var language: Language?
    /// A language model's part in it, when it was asked.
    public var model: MessageLog.ModelUse?

    public init(replies: [OutboundMessage], language: Language? = nil) {
        self.replies = replies
        self.language = language
    }
}

extension ConversationHandler {
    public var prepares: Bool { false }

    public func prepare(_ message: ArrivingMessage, pool: PostgresPool) async -> PendingAdvice? { nil }

    public func handle(_ context: InboundContext, on connection: PostgresConnection) async throws -> HandledMessage {
        HandledMessage(replies: try await replies(to: context, on: connection))
    }
}

/// Until the conversation engine answers: marks the message read and acknowledges it in one line.
public struct AcknowledgingHandler: ConversationHandler {
    public init() {}

    public func replies(to context: InboundContext, on connection: PostgresConnection) async throws -> [OutboundMessage]
    {
        guard let id = context.message.id else { return [] }
        switch context.message.content {
        case .reaction, .system, .unsupported, .unknown:
            return [.markRead(id, typing: false)]
        default:
            return [.markRead(id)]
                + OutboundMessage.text("\(context.business.name) received your message.", replyTo: id)
        }
    }
}
