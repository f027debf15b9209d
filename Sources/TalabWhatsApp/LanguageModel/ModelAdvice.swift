import Foundation
public import TalabCore
public import TalabStore

/// A language model's proposal for one message, made before the message's transaction on the
/// conversation as it was then. The transaction uses it only if the conversation is still that one
/// (`basis`): a version check, since no lock is held while the model thinks.
public struct ModelAdvice: Sendable {
    /// The conversation's state (JSON) the model read; nil for a conversation just begun.
    public let basis: String?
    public let outcome: ModelOutcome
}

/// A question for a language model, ready to ask: what `ModelAdvice` will answer.
public struct PendingAdvice: Sendable {
    public let basis: String?
    public let ask: @Sendable () async -> ModelOutcome
}

extension EngineHandler {
    public var prepares: Bool { model != nil }

    /// Outside any transaction: reads the conversation without a lock, runs the engine on a copy,
    /// and asks the model when the business wants it (`settings.llm`): in `fallback` only when the
    /// engine is not sure, in `always` for every text with the engine's reading as a hint. Within
    /// the business's daily token budget. Nil when the model is not to be asked; else the question,
    /// asked by the caller (the worker does not hold up other customers' messages for it).
    public func prepare(_ arriving: ArrivingMessage, pool: PostgresPool) async -> PendingAdvice? {
        guard let model, arriving.message.id != nil,
            case .text(let text)? = EngineHandler.input(arriving.message.content)
        else { return nil }
        let asked: (basis: String?, context: ModelContext)?
        do {
            asked = try await pool.withConnection { connection -> (String?, ModelContext)? in
                let stored = try await ConversationStore.peek(
                    business: arriving.business.id,
                    waID: arriving.waID,
                    userID: arriving.userID,
                    idleSeconds: Int(idleExpiry),
                    on: connection
                )
                guard
                    let tenant = try await cache.tenant(
                        arriving.business.id,
                        version: stored.catalogVersion,
                        on: connection
                    ),
                    tenant.business.settings.llm != .off,
                    let branch = arriving.branch?.key ?? stored.branchKey
                else { return nil }
                let spent = try await MessageLog.modelTokensToday(business: arriving.business.id, on: connection)
                guard spent < model.settings.dailyTokensPerBusiness else { return nil }
                var state = ConversationState(currency: tenant.business.currency)
                if let json = stored.state,
                    let saved = try? JSONDecoder().decode(ConversationState.self, from: Data(json.utf8))
                {
                    state = saved
                }
                let engine = cache.engine(arriving.business.id, tenant, branch: branch)
                let now = Date()
                var reading = state
                let (replies, _) = engine.handle(.text(text), state: &reading, now: now)
                let mode = tenant.business.settings.llm
                guard mode == .always || ConversationEngine.unsure(replies) else { return nil }
                let hint =
                    mode == .always
                    ? reading.cart.lines.map { line in
                        "\(line.quantity) \(line.itemKey)" + line.options.map { " +\($0.key)" }.joined()
                    }.joined(separator: "; ")
                    : nil
                // The conversation so far (this message is not logged yet), within the idle limit.
                let recent = try await MessageLog.recentTurns(
                    business: arriving.business.id,
                    waID: arriving.waID,
                    userID: arriving.userID,
                    within: Int(idleExpiry),
                    on: connection
                ).map { ($0.inbound ? "customer: " : "business: ") + $0.text }
                return (
                    stored.state,
                    engine.modelContext(
                        for: text,
                        state: state,
                        now: now,
                        recent: stored.state == nil ? [] : recent,
                        engineReading: hint.map { "cart: \($0)" }
                    )
                )
            }
        } catch {
            return nil
        }
        guard let asked else { return nil }
        // No connection and no lock is held while the model thinks.
        let context = asked.context
        return PendingAdvice(basis: asked.basis) { await model.propose(text, context: context) }
    }
}
