import Foundation
import TalabCore
import TalabStore

/// Between WhatsApp and the engine: what a message says as the engine reads it, and the engine's
/// replies as WhatsApp messages.
extension EngineHandler {
    static func input(_ content: InboundMessage.Content) -> CustomerInput? {
        switch content {
        case .text(let text): return .text(text)
        case .buttonReply(let id, _), .listReply(let id, _, _): return .choice(id)
        case .button(let payload, let text): return payload.map(CustomerInput.choice) ?? text.map(CustomerInput.text)
        case .location(let latitude, let longitude, _, _): return .location(latitude: latitude, longitude: longitude)
        case .media(let kind, _, _, let caption, let voice):
            if let caption, !caption.isEmpty { return .text(caption) }
            // A sticker is a gesture, like a reaction: read, not answered.
            return kind == "sticker" ? nil : .media(voice: voice || kind == "audio")
        case .reaction, .contacts, .order, .system, .unsupported, .unknown: return nil
        }
    }

    /// A reply as WhatsApp messages: text, buttons (three or fewer choices) or a paged list.
    static func messages(_ reply: EngineReply, engine: ConversationEngine, language: Language) -> [OutboundMessage] {
        let choices = reply.choices.map { OutboundMessage.Choice(id: $0.id.rawValue, title: $0.title) }
        if choices.isEmpty { return OutboundMessage.text(reply.text) }
        if choices.count <= OutboundMessage.Limit.buttons { return OutboundMessage.buttons(reply.text, choices) }
        return OutboundMessage.list(
            reply.text,
            button: engine.phrasebook.text(reply.list == .slots ? "times_button" : "menu_button", in: language),
            choices,
            page: reply.page,
            moreID: { ChoiceID.page(reply.list, $0).rawValue },
            more: engine.phrasebook.text("menu_more", in: language)
        )
    }
}
