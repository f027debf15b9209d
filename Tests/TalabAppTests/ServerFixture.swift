import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import TalabApp
import TalabReconciler
import TalabStore
import TalabTestSupport
import TalabWhatsApp

/// A migrated database with the example tenants applied, and the server's parts on it.
struct ServerFixture {
    static let appSecret = "test-app-secret-not-meta"
    static let verifyToken = "talab-verify-test"
    static let sealer = CatalogDatabase.sealer

    let url: DatabaseURL
    let settings: Server.Settings
    let parts: Server.Parts

    static func make(
        graphURL: String = "http://127.0.0.1:9",
        handler: any ConversationHandler = AcknowledgingHandler(),
        attempts: Int = 3,
        engine: Bool = false,
        logger: Logger? = nil,
        edit: (TestRepository) throws -> Void = { _ in }
    ) async throws -> ServerFixture {
        let url = try await TestCluster.shared.migratedDatabase()
        try await ExampleCatalog.apply(to: url, sealer: sealer, edit: edit)
        let handler: any ConversationHandler =
            engine ? EngineHandler() : handler
        var settings = Server.Settings(databaseURL: url, appSecret: appSecret, verifyToken: verifyToken)
        settings.graph = GraphSettings(
            baseURL: graphURL,
            version: "v23.0",
            attempts: attempts,
            backoff: .milliseconds(10)
        )
        settings.poolSize = 4
        var quiet = Logger(label: "talab.test")
        quiet.logLevel = .critical
        let parts = Server.parts(settings, sealer: sealer, handler: handler, logger: logger ?? quiet)
        return ServerFixture(url: url, settings: settings, parts: parts)
    }

    static let signature = WebhookSignature(appSecret: appSecret)

    /// `body` posted to a live server's webhook URL, signed as Meta signs it.
    static func signedRequest(_ url: String, _ body: [UInt8]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    func count(_ sql: String) async throws -> Int {
        try await parts.pool.query(PostgresStatement("test.count", sql, prepared: false))[0].decode(Int.self, at: 0)
    }

    func worker() -> InboxWorker {
        InboxWorker(inbox: parts.inbox, processor: parts.processor, doorbell: parts.inboxBell, outbound: nil)
    }

    /// Processes every stored body.
    func drain() async throws {
        while try await worker().drainOnce() > 0 {}
    }

    /// A body received and processed, as the server would.
    func deliver(_ body: [UInt8]) async throws {
        try await parts.inbox.store(body, orderingKey: nil)
        try await drain()
    }

    /// A text message from a customer to a business number, as Meta would post it.
    static func textPayload(
        to number: String,
        from phone: String? = "96170000123",
        userID: String? = nil,
        id: String,
        text: String,
        timestamp: Int = 1_790_000_000
    ) -> [UInt8] {
        var contact: [String: Any] = ["profile": ["name": "Rami"]]
        var message: [String: Any] = [
            "id": id, "timestamp": String(timestamp), "type": "text", "text": ["body": text],
        ]
        if let phone {
            contact["wa_id"] = phone
            message["from"] = phone
        }
        if let userID {
            contact["user_id"] = userID
            message["from_user_id"] = userID
        }
        return envelope(
            number,
            [
                "messaging_product": "whatsapp",
                "metadata": ["display_phone_number": "9611000000", "phone_number_id": number],
                "contacts": [contact], "messages": [message],
            ]
        )
    }

    /// A tapped reply button, as Meta posts it.
    static func buttonPayload(
        to number: String,
        from phone: String = "96170000123",
        id: String,
        button: String
    ) -> [UInt8] {
        envelope(
            number,
            [
                "metadata": ["phone_number_id": number], "contacts": [["wa_id": phone, "profile": ["name": "Rami"]]],
                "messages": [
                    [
                        "from": phone, "id": id, "timestamp": "1790000000", "type": "interactive",
                        "interactive": ["type": "button_reply", "button_reply": ["id": button, "title": button]],
                    ]
                ],
            ]
        )
    }

    static func statusPayload(to number: String, messageID: String, status: String, code: Int? = nil) -> [UInt8] {
        var entry: [String: Any] = [
            "id": messageID, "status": status, "timestamp": "1790000100", "recipient_id": "96170000123",
        ]
        if let code { entry["errors"] = [["code": code, "title": "Re-engagement message"]] }
        return envelope(number, ["metadata": ["phone_number_id": number], "statuses": [entry]])
    }

    /// A webhook body with one entry and one `messages` change holding `value`.
    static func envelope(_ number: String, _ value: [String: Any]) -> [UInt8] {
        let body: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [["id": "WABA", "changes": [["field": "messages", "value": value]]]],
        ]
        return Array(try! JSONSerialization.data(withJSONObject: body))
    }
}
