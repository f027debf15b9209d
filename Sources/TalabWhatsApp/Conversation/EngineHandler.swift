public import Foundation
public import TalabCore
public import TalabStore

/// The conversation engine behind the webhook: reads the tenant from PostgreSQL, keeps each
/// customer's conversation in `conversations`, places orders on confirmation and turns replies into
/// messages. Everything it writes, the order included, commits with the transaction that logs the
/// message, or not at all; the order is keyed by the confirming message besides.
public struct EngineHandler: ConversationHandler {
    /// A conversation idle this long starts over with an empty cart.
    public let idleExpiry: TimeInterval
    public let phrasebook: Phrasebook
    let cache: EngineCache
    /// The language model behind the engine's rules, for the businesses that ask for it.
    public let model: LanguageModelClient?

    /// `cachedBusinesses`: how many businesses' engines are kept built (the least recently used go).
    public init(
        idleExpiry: TimeInterval = 2 * 60 * 60,
        phrasebook: Phrasebook = .shipped,
        cachedBusinesses: Int = 512,
        model: LanguageModelClient? = nil
    ) {
        self.idleExpiry = idleExpiry
        self.phrasebook = phrasebook
        self.cache = EngineCache(phrasebook: phrasebook, limit: cachedBusinesses)
        self.model = model
    }

    /// How many businesses' engines are kept built.
    public var cachedBusinesses: Int { cache.count }

    public func replies(to context: InboundContext, on connection: PostgresConnection) async throws -> [OutboundMessage]
    {
        try await handle(context, on: connection).replies
    }

    public func handle(_ context: InboundContext, on connection: PostgresConnection) async throws -> HandledMessage {
        guard let messageID = context.message.id else { return HandledMessage(replies: []) }
        // The customer's conversation, locked until the message is handled.
        let stored = try await ConversationStore.load(
            business: context.business.id,
            customer: context.customer.id,
            idleSeconds: Int(idleExpiry),
            on: connection
        )
        guard let tenant = try await cache.tenant(context.business.id, version: stored.catalogVersion, on: connection)
        else { return HandledMessage(replies: []) }
        var state = ConversationState(currency: tenant.business.currency)
        var branchKey = context.branch?.key
        if let json = stored.state, let saved = try? JSONDecoder().decode(ConversationState.self, from: Data(json.utf8))
        {
            state = saved
            branchKey = branchKey ?? stored.branchKey
        }
        guard let input = EngineHandler.input(context.message.content) else {
            return HandledMessage(replies: [.markRead(messageID, typing: false)])
        }
        // What the business's analytics count of this message (migrations 0030, 0031).
        let customer = context.customer.waID ?? context.customer.userID.map { "user:\($0)" } ?? ""
        func note(_ kind: ConversationEvents.Kind, _ detail: String? = nil) async throws {
            try await ConversationEvents.record(
                kind,
                detail: detail,
                business: context.business.id,
                branch: context.business.branches.first { $0.key == branchKey }?.id,
                customer: customer,
                on: connection
            )
        }
        // A first message, or the first after the idle limit: a conversation begins.
        if stored.state == nil { try await note(.started) }
        var messages: [OutboundMessage] = [.markRead(messageID)]
        let language = state.language ?? tenant.business.defaultLanguage ?? .english

        // A number shared by several branches: the customer picks one first.
        if branchKey == nil {
            if case .choice(let raw) = input, case .branch(let key) = ChoiceID(rawValue: raw),
                tenant.branches.contains(where: { $0.key == key })
            {
                branchKey = key
                messages += OutboundMessage.text(
                    phrasebook.text("greeting", in: language, ["business": tenant.business.name])
                )
            } else {
                let choices = tenant.branches.map {
                    OutboundMessage.Choice(id: ChoiceID.branch($0.key).rawValue, title: $0.name)
                }
                messages += OutboundMessage.buttons(
                    phrasebook.text("choose_branch", in: language),
                    choices,
                    replyTo: messageID
                )
            }
            try await save(state, branchKey, context, on: connection)
            return HandledMessage(replies: messages)
        }

        let engine = cache.engine(context.business.id, tenant, branch: branchKey)
        let branchID = context.business.branches.first { $0.key == branchKey }?.id
        let now = Date()
        let calendar = try await bookings(engine, branchID: branchID, now: now, on: connection)
        let before = state
        var (replies, effects) = engine.handle(input, state: &state, now: now, calendar: calendar)
        // A language model's proposal, made before this transaction on the conversation as it was:
        // used only if the conversation is still that one, and only what the catalog backs.
        var modelUse: MessageLog.ModelUse?
        if let advice = context.advice, case .text(let text) = input {
            switch advice.outcome {
            case .proposed(let actions, let usage):
                var used = false
                if advice.basis == stored.state {
                    var proposed = before
                    if let result = engine.handle(
                        model: actions,
                        text: text,
                        state: &proposed,
                        now: now,
                        calendar: calendar
                    ) {
                        (state, replies, effects, used) = (proposed, result.replies, result.effects, true)
                    }
                }
                modelUse = MessageLog.ModelUse(
                    tokensIn: usage.tokensIn,
                    tokensOut: usage.tokensOut,
                    latencyMilliseconds: usage.milliseconds,
                    failed: !used
                )
            case .failed(_, let milliseconds):
                modelUse = MessageLog.ModelUse(
                    tokensIn: nil,
                    tokensOut: nil,
                    latencyMilliseconds: milliseconds,
                    failed: true
                )
            }
        }
        messages += replies.flatMap { reply in
            EngineHandler.messages(reply, engine: engine, language: engine.replyLanguage(state.language ?? language))
        }
        for reply in replies {
            if reply.phrase == "not_understood", case .text(let text) = input { try await note(.notUnderstood, text) }
            if reply.phrase == "item_unavailable" { try await note(.unavailable, reply.item) }
        }
        if before.cart.lines.isEmpty, !state.cart.lines.isEmpty { try await note(.cart) }
        for effect in effects {
            switch effect {
            case .placeOrder(let request):
                guard let branchID else { continue }
                // Paused from the dashboard: nothing placed, the cart kept for a later confirmation.
                if try await BranchOperations.state(of: branchID, on: connection).isPaused(at: now) {
                    try await note(.paused)
                    state = before
                    messages =
                        [.markRead(messageID)]
                        + OutboundMessage.text(
                            phrasebook.text("orders_paused", in: engine.replyLanguage(request.language))
                        )
                    continue
                }
                do {
                    messages += try await place(
                        request,
                        branchID: branchID,
                        engine: engine,
                        messageID,
                        context,
                        on: connection
                    )
                    try await note(.confirmed)
                } catch let error as OrderStore.OrderError where error.code == .slotFull {
                    // Someone took the last place since the times were offered: the engine says so
                    // and offers the times still free, from the bookings as they are now.
                    let refused = engine.bookingRefused(
                        request,
                        before: before,
                        state: &state,
                        now: now,
                        calendar: try await bookings(engine, branchID: branchID, now: now, on: connection)
                    )
                    let language = engine.replyLanguage(request.language)
                    messages += refused.flatMap { EngineHandler.messages($0, engine: engine, language: language) }
                }
            case .orderStatus(let replyLanguage):
                messages += try await status(replyLanguage, tenant: tenant, context: context, on: connection)
            case .handOff: try await note(.handOff)
            case .repeatLastOrder:
                let previous = try await OrderStore.lastOrderLines(
                    business: context.business.id,
                    phone: context.customer.waID,
                    userID: context.customer.userID,
                    on: connection
                ).map { ConversationEngine.PreviousLine(itemKey: $0.item, quantity: $0.quantity, options: $0.options) }
                let replies = engine.repeatOrder(previous, state: &state, now: now)
                let language = engine.replyLanguage(state.language ?? language)
                messages += replies.flatMap { EngineHandler.messages($0, engine: engine, language: language) }
            case .unmatched(let phrases):
                for phrase in phrases.prefix(3) { try await note(.unmatched, phrase) }
            }
        }
        try await save(state, branchKey, context, on: connection)
        // The language this text was written in, as the engine read it, for the message log.
        let written: Language? = if case .text = input { state.language } else { nil }
        var handled = HandledMessage(replies: messages, language: written)
        handled.model = modelUse
        return handled
    }

    private func save(
        _ state: ConversationState,
        _ branchKey: String?,
        _ context: InboundContext,
        on connection: PostgresConnection
    ) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await ConversationStore.save(
            business: context.business.id,
            customer: context.customer.id,
            branchKey: branchKey,
            state: json,
            on: connection
        )
    }
}
