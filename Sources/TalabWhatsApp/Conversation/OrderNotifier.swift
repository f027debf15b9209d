public import Foundation
public import TalabCore
public import TalabStore

/// Tells the customer when their order moves: a message in their language inside WhatsApp's
/// 24-hour window, else the business's utility template (`order_update` unless its settings name
/// another; the only kind Meta lets through then), queued for the sender like any reply. A running
/// server is woken by NOTIFY.
public struct OrderNotifier: Sendable {
    public let phrasebook: Phrasebook

    public init(phrasebook: Phrasebook = .shipped) { self.phrasebook = phrasebook }

    /// Queues the notice of the order's new status; false when the customer cannot be reached. The
    /// minutes to prepare (on accepting) and the reason (on cancelling) are told when given; `phrase`
    /// names another phrase of the phrasebook to say it with (the auto-reject's).
    @discardableResult
    public func notify(
        order: UUID,
        status: OrderStatus,
        minutes: Int? = nil,
        reason: String? = nil,
        phrase: String? = nil,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard let notice = try await OrderStore.notice(of: order, on: connection),
            let phoneNumberID = notice.phoneNumberID, let recipient = notice.customer.recipient
        else { return false }
        let customer = notice.customer
        let language = notice.language == .arabizi && notice.arabiziInArabic ? .arabic : notice.language
        let reference = String(order.lowercasedText.prefix(8))
        var body: [String: JSONValue]
        if try await ServiceWindow.isOpen(customer: customer.id, on: connection) {
            let text =
                if let phrase {
                    phrasebook.text(phrase, in: language, ["order": reference])
                } else if status == .accepted, let minutes {
                    phrasebook.text(
                        "status_accepted_minutes",
                        in: language,
                        ["order": reference, "minutes": String(minutes)]
                    )
                } else if status == .cancelled, let reason, !reason.isEmpty {
                    phrasebook.text("status_cancelled_reason", in: language, ["order": reference, "reason": reason])
                } else {
                    phrasebook.text("status_\(status.rawValue)", in: language, ["order": reference])
                }
            body = OutboundMessage.text(text)[0].requestBody(to: recipient)
        } else {
            body = ["messaging_product": "whatsapp", "recipient_type": "individual", "type": "template"]
            switch recipient {
            case .phone(let number): body["to"] = .string(number)
            case .userID(let id): body["recipient"] = .string(id)
            }
            body["template"] = [
                "name": .string(notice.template),
                "language": ["code": .string(OrderNotifier.templateLanguage(language))],
                "components": [
                    [
                        "type": "body",
                        "parameters": [
                            ["type": "text", "text": .string(reference)],
                            ["type": "text", "text": .string(status.rawValue)],
                        ],
                    ]
                ],
            ]
        }
        try await OutboundQueue.enqueue(
            business: notice.business,
            branch: notice.branch,
            customer: customer.id,
            phoneNumberID: phoneNumberID,
            body: String(decoding: JSONValue.encode(body), as: UTF8.self),
            on: connection
        )
        return true
    }

    /// Meta's template language codes; Arabizi customers get the Arabic template.
    static func templateLanguage(_ language: Language) -> String {
        switch language {
        case .english: return "en"
        case .french: return "fr"
        case .arabic, .arabizi: return "ar"
        }
    }
}
