import Foundation
import TalabCore
import TalabStore

/// Tells the customer when their order moves: a message in their language inside WhatsApp's
/// 24-hour window, else the business's utility template (`order_update` unless its settings name
/// another; the only kind Meta lets through then), queued for the sender like any reply. A running
/// server is woken by NOTIFY.
public struct OrderNotifier: Sendable {
    public let phrasebook: Phrasebook

    public init(phrasebook: Phrasebook = .shipped) { self.phrasebook = phrasebook }

    static let recipient = PostgresStatement(
        "notify.recipient",
        """
        SELECT o.business_id, o.branch_id, c.id AS customer_id, c.wa_id, c.user_id,
               coalesce(b.whatsapp_phone_number_id, u.whatsapp_phone_number_id) AS phone_number_id,
               coalesce(o.language_used::text, u.default_language::text, 'english') AS language,
               u.arabizi_replies, u.order_update_template
        FROM orders o JOIN users u ON u.id = o.business_id JOIN branches b ON b.id = o.branch_id
        JOIN whatsapp_customers c ON c.business_id = o.business_id
             AND (c.wa_id = o.customer_phone_number OR c.user_id = o.whatsapp_user_id)
        WHERE o.id = $1 ORDER BY c.updated_at DESC LIMIT 1
        """
    )
    static let queue = PostgresStatement(
        "notify.queue",
        """
        WITH queued AS (
            INSERT INTO outbound_messages (business_id, branch_id, customer_id, phone_number_id, body)
            VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id)
        SELECT id, pg_notify($6, '') IS NULL AS woken FROM queued
        """
    )

    /// Queues the notice of the order's new status; false when the customer cannot be reached.
    @discardableResult
    public func notify(order: UUID, status: OrderStatus, on connection: PostgresConnection) async throws -> Bool {
        guard let row = try await connection.query(OrderNotifier.recipient, [order]).first,
            let phoneNumberID = try row.decode(String?.self, "phone_number_id")
        else { return false }
        let customer = WhatsAppCustomer(
            id: try row.decode(UUID.self, "customer_id"),
            userID: try row.decode(String?.self, "user_id"),
            waID: try row.decode(String?.self, "wa_id"),
            name: nil
        )
        guard let recipient = customer.recipient else { return false }
        let written = Language(rawValue: try row.decode(String.self, "language")) ?? .english
        let arabic = try row.decode(String.self, "arabizi_replies") == "arabic"
        let language = written == .arabizi && arabic ? .arabic : written
        let reference = String(order.lowercasedText.prefix(8))
        var body: [String: JSONValue]
        if try await ServiceWindow.isOpen(customer: customer.id, on: connection) {
            let text = phrasebook.text("status_\(status.rawValue)", in: language, ["order": reference])
            body = OutboundMessage.text(text)[0].requestBody(to: recipient)
        } else {
            body = ["messaging_product": "whatsapp", "recipient_type": "individual", "type": "template"]
            switch recipient {
            case .phone(let number): body["to"] = .string(number)
            case .userID(let id): body["recipient"] = .string(id)
            }
            body["template"] = [
                "name": .string(try row.decode(String.self, "order_update_template")),
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
        try await connection.query(
            OrderNotifier.queue,
            [
                try row.decode(UUID.self, "business_id"), try row.decode(UUID.self, "branch_id"), customer.id,
                phoneNumberID,
                String(decoding: JSONValue.encode(body), as: UTF8.self), NotifyChannel.outbound,
            ]
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
