import Foundation

/// A message to send through the Cloud API, built within its limits: a builder shortens or pages
/// rather than producing a request Meta would refuse.
public struct OutboundMessage: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        case text(String)
        case buttons(body: String, buttons: [Choice])
        case list(body: String, button: String, rows: [Choice])
        case locationRequest(body: String)
        /// Marks the customer's message read and shows the typing indicator until the reply.
        case markRead(messageID: String, typing: Bool)
    }

    /// A button or a list row: an id Talab reads back, a title, and for rows a description.
    public struct Choice: Sendable, Hashable {
        public let id: String
        public let title: String
        public let description: String?

        public init(id: String, title: String, description: String? = nil) {
            self.id = id
            self.title = title
            self.description = description
        }
    }

    public let content: Content
    /// The customer's message this one answers (`context.message_id`).
    public let replyTo: String?

    public enum Limit {
        public static let text = 4096
        public static let body = 1024
        public static let buttons = 3
        public static let buttonTitle = 20
        public static let listRows = 10
        public static let rowTitle = 24
        public static let rowDescription = 72
        public static let listButton = 20
        public static let rowID = 200
        public static let buttonID = 256
    }

    /// Text, split at the 4,096-character limit on line or word boundaries.
    public static func text(_ text: String, replyTo: String? = nil) -> [OutboundMessage] {
        split(text, limit: Limit.text).map { OutboundMessage(content: .text($0), replyTo: replyTo) }
    }

    /// Up to three reply buttons; more become a list.
    public static func buttons(_ body: String, _ choices: [Choice], replyTo: String? = nil) -> [OutboundMessage] {
        guard choices.count <= Limit.buttons else { return list(body, button: "Choose", choices, replyTo: replyTo) }
        let buttons = choices.map {
            Choice(id: clip($0.id, Limit.buttonID), title: clip($0.title, Limit.buttonTitle), description: nil)
        }
        return [OutboundMessage(content: .buttons(body: clip(body, Limit.body), buttons: buttons), replyTo: replyTo)]
    }

    /// A list; past ten rows it pages: nine rows and a "more" row whose id `moreID` makes from the
    /// next page's number. A page past the last shows the last; a negative one, the first.
    public static func list(
        _ body: String,
        button: String,
        _ choices: [Choice],
        page: Int = 0,
        moreID: (Int) -> String = { "more:\($0)" },
        more: String = "More…",
        replyTo: String? = nil
    ) -> [OutboundMessage] {
        let rows = choices.map {
            Choice(
                id: clip($0.id, Limit.rowID),
                title: clip($0.title, Limit.rowTitle),
                description: $0.description.map { clip($0, Limit.rowDescription) }
            )
        }
        let perPage = Limit.listRows - 1
        var shown = rows
        if rows.count > Limit.listRows {
            let lastPage = (rows.count - 1) / perPage
            let page = min(max(page, 0), lastPage)
            let start = page * perPage
            shown = Array(rows[start..<min(start + perPage, rows.count)])
            if page < lastPage {
                shown.append(Choice(id: moreID(page + 1), title: clip(more, Limit.rowTitle), description: nil))
            }
        }
        return [
            OutboundMessage(
                content: .list(body: clip(body, Limit.body), button: clip(button, Limit.listButton), rows: shown),
                replyTo: replyTo
            )
        ]
    }

    public static func locationRequest(_ body: String, replyTo: String? = nil) -> OutboundMessage {
        OutboundMessage(content: .locationRequest(body: clip(body, Limit.body)), replyTo: replyTo)
    }

    public static func markRead(_ messageID: String, typing: Bool = true) -> OutboundMessage {
        OutboundMessage(content: .markRead(messageID: messageID, typing: typing), replyTo: nil)
    }

    /// At most `limit` characters, an ellipsis marking a cut.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// Pieces of at most `limit` characters, cut after a newline or a space when one is near.
    static func split(_ text: String, limit: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while rest.count > limit {
            let window = rest.prefix(limit)
            let cut = window.lastIndex(of: "\n") ?? window.lastIndex(of: " ")
            let end = cut.map { rest.index(after: $0) } ?? window.endIndex
            pieces.append(String(rest[..<end]).trimmingCharacters(in: .whitespacesAndNewlines))
            rest = rest[end...]
        }
        let last = rest.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty || pieces.isEmpty { pieces.append(last) }
        return pieces
    }
}

/// Who a message goes to: a phone (`"to"`) or, for a customer known only by it, a business-scoped
/// user id (`"recipient"`).
public enum Recipient: Sendable, Hashable {
    case phone(String)
    case userID(String)
}

extension OutboundMessage {
    /// The request body of `POST /{version}/{phone-number-id}/messages`.
    public func requestBody(to recipient: Recipient) -> [String: JSONValue] {
        var body: [String: JSONValue] = ["messaging_product": "whatsapp"]
        if case .markRead(let id, let typing) = content {
            body["status"] = "read"
            body["message_id"] = .string(id)
            if typing { body["typing_indicator"] = ["type": "text"] }
            return body
        }
        body["recipient_type"] = "individual"
        switch recipient {
        case .phone(let number): body["to"] = .string(number)
        case .userID(let id): body["recipient"] = .string(id)
        }
        if let replyTo { body["context"] = ["message_id": .string(replyTo)] }
        switch content {
        case .text(let text):
            body["type"] = "text"
            body["text"] = ["preview_url": false, "body": .string(text)]
        case .buttons(let text, let buttons):
            body["type"] = "interactive"
            body["interactive"] = [
                "type": "button", "body": ["text": .string(text)],
                "action": [
                    "buttons": .array(
                        buttons.map { ["type": "reply", "reply": ["id": .string($0.id), "title": .string($0.title)]] }
                    )
                ],
            ]
        case .list(let text, let button, let rows):
            body["type"] = "interactive"
            let items: [JSONValue] = rows.map { row in
                var item: [String: JSONValue] = ["id": .string(row.id), "title": .string(row.title)]
                if let description = row.description { item["description"] = .string(description) }
                return .object(item)
            }
            body["interactive"] = [
                "type": "list", "body": ["text": .string(text)],
                "action": ["button": .string(button), "sections": [["rows": .array(items)]]],
            ]
        case .locationRequest(let text):
            body["type"] = "interactive"
            body["interactive"] = [
                "type": "location_request_message", "body": ["text": .string(text)],
                "action": ["name": "send_location"],
            ]
        case .markRead: break
        }
        return body
    }

    /// What the message log records of it.
    public var logType: String {
        switch content {
        case .text: return "text"
        case .buttons, .list, .locationRequest: return "interactive"
        case .markRead: return "read"
        }
    }

    public var logText: String? {
        switch content {
        case .text(let text), .buttons(let text, _), .list(let text, _, _), .locationRequest(let text): return text
        case .markRead: return nil
        }
    }
}
