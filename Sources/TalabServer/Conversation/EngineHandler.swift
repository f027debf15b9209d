import Foundation
import TalabCore
import TalabStore

/// The conversation engine behind the webhook: reads the tenant from PostgreSQL, keeps each
/// customer's conversation in `conversations`, places orders on confirmation (keyed by the
/// confirming message, so a redelivery places nothing twice) and turns replies into messages.
public struct EngineHandler: ConversationHandler {
    public let orders: OrderStore
    /// A conversation idle this long starts over with an empty cart.
    public let idleExpiry: TimeInterval
    public let phrasebook: Phrasebook
    private let cache: EngineCache

    public init(orders: OrderStore, idleExpiry: TimeInterval = 2 * 60 * 60, phrasebook: Phrasebook = .shipped) {
        self.orders = orders
        self.idleExpiry = idleExpiry
        self.phrasebook = phrasebook
        self.cache = EngineCache(phrasebook: phrasebook)
    }

    static let load = PostgresStatement(
        "conversation.load",
        """
        SELECT state::text AS state, branch_key, updated_at > now() - $3 * interval '1 second' AS fresh
        FROM conversations WHERE business_id = $1 AND customer_id = $2 FOR UPDATE
        """
    )
    static let save = PostgresStatement(
        "conversation.save",
        """
        INSERT INTO conversations (business_id, customer_id, branch_key, state) VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (business_id, customer_id) DO UPDATE SET branch_key = excluded.branch_key, state = excluded.state,
            updated_at = now()
        """
    )
    static let branchID = PostgresStatement(
        "conversation.branch_id",
        "SELECT id FROM branches WHERE business_id = $1 AND key = $2 AND deleted_at IS NULL"
    )

    public func replies(to context: InboundContext, on connection: PostgresConnection) async throws -> [OutboundMessage]
    {
        guard let messageID = context.message.id,
            let tenant = try await cache.tenant(context.business.id, on: connection)
        else { return [] }
        let stored = try await connection.query(
            EngineHandler.load,
            [context.business.id, context.customer.id, Int(idleExpiry)]
        ).first
        var state = ConversationState(currency: tenant.business.currency)
        var branchKey = context.branch?.key
        if let stored, try stored.decode(Bool.self, "fresh"),
            let saved = try? JSONDecoder().decode(
                ConversationState.self,
                from: Data(try stored.decode(String.self, "state").utf8)
            )
        {
            state = saved
            let savedBranch = try stored.decode(String?.self, "branch_key")
            branchKey = branchKey ?? savedBranch
        }
        guard let input = EngineHandler.input(context.message.content) else {
            return [.markRead(messageID, typing: false)]
        }
        var messages: [OutboundMessage] = [.markRead(messageID)]
        let language = state.language ?? tenant.business.defaultLanguage ?? .english

        // A number shared by several branches: the customer picks one first.
        if branchKey == nil {
            if case .choice(let id) = input, id.hasPrefix("branch:"),
                tenant.branches.contains(where: { $0.key == String(id.dropFirst(7)) })
            {
                branchKey = String(id.dropFirst(7))
                messages += OutboundMessage.text(
                    phrasebook.text("greeting", in: language, ["business": tenant.business.name])
                )
            } else {
                let choices = tenant.branches.map { OutboundMessage.Choice(id: "branch:\($0.key)", title: $0.name) }
                messages += OutboundMessage.buttons(
                    phrasebook.text("choose_branch", in: language),
                    choices,
                    replyTo: messageID
                )
            }
            try await save(state, branchKey, context, on: connection)
            return messages
        }

        let engine = cache.engine(context.business.id, tenant, branch: branchKey)
        let (replies, effects) = engine.handle(input, state: &state, now: Date())
        for reply in replies {
            messages += EngineHandler.messages(
                reply,
                engine: engine,
                language: state.language ?? language,
                replyTo: messageID
            )
        }
        for effect in effects {
            guard case .placeOrder(let cart, let type, let fee, let scheduled, let orderLanguage) = effect,
                let branchKey,
                let branchID = try await connection.query(EngineHandler.branchID, [context.business.id, branchKey])
                    .first?
                    .decode(UUID.self, "id")
            else { continue }
            var placement = OrderStore.Placement(
                businessID: context.business.id,
                branchID: branchID,
                deliveryType: type,
                confirmationKey: messageID,
                customerPhone: context.customer.waID,
                whatsappUserID: context.customer.userID
            )
            placement.customerName = context.customer.name
            placement.language = orderLanguage
            placement.deliveryFee = fee
            placement.scheduledFor = scheduled
            let order = try await orders.place(cart, placement)
            messages += OutboundMessage.text(
                phrasebook.text("order_placed", in: orderLanguage, ["order": String(order.id.lowercasedText.prefix(8))])
            )
        }
        try await save(state, branchKey, context, on: connection)
        return messages
    }

    private func save(
        _ state: ConversationState,
        _ branchKey: String?,
        _ context: InboundContext,
        on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await connection.query(EngineHandler.save, [context.business.id, context.customer.id, branchKey, json])
    }

    static func input(_ content: InboundMessage.Content) -> CustomerInput? {
        switch content {
        case .text(let text): return .text(text)
        case .buttonReply(let id, _), .listReply(let id, _, _): return .choice(id)
        case .button(let payload, let text): return payload.map(CustomerInput.choice) ?? text.map(CustomerInput.text)
        case .location(let latitude, let longitude, _, _): return .location(latitude: latitude, longitude: longitude)
        case .media(_, _, _, let caption, _): return caption.map(CustomerInput.text)
        case .reaction, .contacts, .order, .system, .unsupported, .unknown: return nil
        }
    }

    /// A reply as WhatsApp messages: text, buttons (three or fewer choices) or a paged list.
    static func messages(
        _ reply: EngineReply,
        engine: ConversationEngine,
        language: Language,
        replyTo: String
    )
        -> [OutboundMessage]
    {
        let choices = reply.choices.map { OutboundMessage.Choice(id: $0.id, title: $0.title) }
        if choices.isEmpty { return OutboundMessage.text(reply.text) }
        if choices.count <= OutboundMessage.Limit.buttons { return OutboundMessage.buttons(reply.text, choices) }
        return OutboundMessage.list(
            reply.text,
            button: engine.phrasebook.text("menu_button", in: language),
            choices,
            pageID: "menu"
        )
    }
}
