public import AsyncHTTPClient
import Foundation
import NIOCore
import TalabWhatsApp

/// A customer on a terminal: posts signed webhooks to a running server exactly as Meta would, and
/// reads the server's replies back from the fake Graph API they were sent to. Behind `talab chat`.
public actor ChatClient {
    /// What the customer does: type, tap a button or list row, or share a location.
    public enum Input: Sendable, Equatable {
        case text(String)
        case choice(id: String, title: String, fromList: Bool)
        case location(latitude: Double, longitude: Double)
        /// A voice note (an audio message with `voice: true`; its media id is made up).
        case voiceNote
    }

    /// A message the business sent, as the customer sees it.
    public struct Reply: Sendable, Equatable {
        public struct Choice: Sendable, Equatable {
            public let id: String
            public let title: String
        }

        public let text: String
        public let choices: [Choice]
        public let isList: Bool
    }

    public let webhookURL: String
    public let graphURL: String
    public let phoneNumberID: String
    public let phone: String?
    public let userID: String?
    public let profileName: String
    let signature: WebhookSignature
    let http: HTTPClient
    /// How many of the fake's recorded requests were already read.
    private var cursor = 0
    private var sequence = 0

    public init(
        webhookURL: String,
        graphURL: String,
        appSecret: String,
        phoneNumberID: String,
        phone: String?,
        userID: String?,
        profileName: String = "Customer",
        http: HTTPClient = .shared
    ) {
        self.webhookURL = webhookURL
        self.graphURL = graphURL
        self.signature = WebhookSignature(appSecret: appSecret)
        self.phoneNumberID = phoneNumberID
        self.phone = phone
        self.userID = userID
        self.profileName = profileName
        self.http = http
    }

    public struct ChatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Skips what the fake received before this conversation.
    public func start() async throws {
        cursor = try await fetch().count + cursor
    }

    /// Sends one input and returns the replies it caused: those sent after the server marked this
    /// message read, until the conversation has been quiet for `quiet`.
    public func send(
        _ input: Input,
        quiet: Duration = .milliseconds(600),
        timeout: Duration = .seconds(20)
    ) async throws -> [Reply] {
        sequence += 1
        let messageID = "wamid.CHAT.\(UUID().uuidString.prefix(8)).\(sequence)"
        let body = ChatClient.payload(
            input,
            id: messageID,
            phoneNumberID: phoneNumberID,
            phone: phone,
            userID: userID,
            name: profileName
        )
        var request = HTTPClientRequest(url: webhookURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(10))
        guard response.status == .ok else {
            throw ChatError(description: "the server answered \(response.status.code) to the webhook")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var read = false
        var lastActivity = clock.now
        var replies: [Reply] = []
        while clock.now < deadline {
            let fresh = try await fetch()
            cursor += fresh.count
            for message in fresh where isOurs(message) {
                lastActivity = clock.now
                let body = message["body"] ?? .null
                if body["status"]?.string == "read" {
                    if body["message_id"]?.string == messageID { read = true }
                    continue
                }
                if read, let reply = ChatClient.reply(body) { replies.append(reply) }
            }
            if read, clock.now - lastActivity >= quiet { return replies }
            try await Task.sleep(for: .milliseconds(40))
        }
        if !read { throw ChatError(description: "no answer within \(timeout): is the server's worker running?") }
        return replies
    }

    private func isOurs(_ message: JSONValue) -> Bool {
        guard message["phone_number_id"]?.string == phoneNumberID, let body = message["body"] else { return false }
        if body["status"]?.string == "read" { return true }
        if let phone, body["to"]?.string == phone { return true }
        if let userID, body["recipient"]?.string == userID { return true }
        return false
    }

    private func fetch() async throws -> [JSONValue] {
        let url = graphURL.hasSuffix("/") ? String(graphURL.dropLast()) : graphURL
        let response = try await http.execute(
            HTTPClientRequest(url: "\(url)/_fake/messages?after=\(cursor)"),
            timeout: .seconds(5)
        )
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok,
            case .array(let rows)? = try JSONDecoder().decode(
                JSONValue.self,
                from: Data(buffer: bytes)
            )["messages"]
        else { throw ChatError(description: "\(graphURL) is not a talab fake Graph API") }
        return rows
    }

    /// What the customer sees of one send request.
    static func reply(_ body: JSONValue) -> Reply? {
        switch body["type"]?.string {
        case "text":
            return Reply(text: body["text"]?["body"]?.string ?? "", choices: [], isList: false)
        case "interactive":
            let interactive = body["interactive"] ?? .null
            let text = interactive["body"]?["text"]?.string ?? ""
            let action = interactive["action"] ?? .null
            if case .array(let buttons)? = action["buttons"] {
                let choices = buttons.compactMap { button -> Reply.Choice? in
                    guard let id = button["reply"]?["id"]?.string, let title = button["reply"]?["title"]?.string
                    else { return nil }
                    return Reply.Choice(id: id, title: title)
                }
                return Reply(text: text, choices: choices, isList: false)
            }
            if case .array(let sections)? = action["sections"] {
                let choices = sections.flatMap { section -> [Reply.Choice] in
                    guard case .array(let rows)? = section["rows"] else { return [] }
                    return rows.compactMap { row in
                        guard let id = row["id"]?.string, let title = row["title"]?.string else { return nil }
                        return Reply.Choice(id: id, title: title)
                    }
                }
                return Reply(text: text, choices: choices, isList: true)
            }
            return Reply(text: text, choices: [], isList: false)
        case "template":
            let name = body["template"]?["name"]?.string ?? "?"
            return Reply(text: "[template \(name)]", choices: [], isList: false)
        default:
            return nil
        }
    }

    /// A webhook body as Meta sends it for one inbound message.
    public static func payload(
        _ input: Input,
        id: String,
        phoneNumberID: String,
        phone: String?,
        userID: String?,
        name: String
    ) -> [UInt8] {
        var contact: [String: JSONValue] = ["profile": ["name": .string(name)]]
        var message: [String: JSONValue] = [
            "id": .string(id), "timestamp": .string(String(Int(Date().timeIntervalSince1970))),
        ]
        if let phone {
            contact["wa_id"] = .string(phone)
            message["from"] = .string(phone)
        }
        if let userID {
            contact["user_id"] = .string(userID)
            message["from_user_id"] = .string(userID)
        }
        switch input {
        case .text(let text):
            message["type"] = "text"
            message["text"] = ["body": .string(text)]
        case .choice(let choiceID, let title, let fromList):
            message["type"] = "interactive"
            message["interactive"] =
                fromList
                ? ["type": "list_reply", "list_reply": ["id": .string(choiceID), "title": .string(title)]]
                : ["type": "button_reply", "button_reply": ["id": .string(choiceID), "title": .string(title)]]
        case .location(let latitude, let longitude):
            message["type"] = "location"
            message["location"] = ["latitude": .number(latitude), "longitude": .number(longitude)]
        case .voiceNote:
            message["type"] = "audio"
            message["audio"] = [
                "id": .string("CHAT.VOICE.\(id)"), "mime_type": "audio/ogg; codecs=opus", "voice": true,
            ]
        }
        return WebhookPayload.envelope(
            phoneNumberID: phoneNumberID,
            account: "CHAT_WABA",
            ["contacts": [.object(contact)], "messages": [.object(message)]]
        )
    }
}
