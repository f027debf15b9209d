import AsyncHTTPClient
import Foundation
public import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
public import TalabWhatsApp

/// A local stand-in for the Cloud API's messages endpoint, speaking its wire format: for tests and
/// `talab dev`. It records what it receives and answers like Meta, or with the failures it is told to.
public final class FakeGraphAPI: Sendable {
    /// One request as received.
    public struct Received: Sendable {
        public let version: String
        public let phoneNumberID: String
        public let token: String?
        public let body: JSONValue
    }

    /// How to answer the next request: Meta's error object with an HTTP status.
    public struct Failure: Sendable {
        public let status: HTTPResponse.Status
        public let code: Int
        public let title: String

        public init(status: HTTPResponse.Status, code: Int, title: String) {
            self.status = status
            self.code = code
            self.title = title
        }

        public static let throughput = Failure(status: .tooManyRequests, code: 130429, title: "Rate limit hit")
        public static let outsideWindow = Failure(status: .badRequest, code: 131047, title: "Re-engagement message")
        public static let serverError = Failure(
            status: .internalServerError,
            code: 1,
            title: "An unknown error occurred"
        )
    }

    private struct State {
        var received: [Received] = []
        var failures: [Failure] = []
        var sequence = 0
        var holdNext = false
        var holding = false
    }
    private let state = Mutex(State())
    /// The only tokens it accepts, when set; without a bearer token every request fails (error 190).
    public let acceptedTokens: Set<String>?
    /// Where to post signed status webhooks (sent, delivered, read) for each accepted message.
    public let statusWebhook: (url: String, signature: WebhookSignature)?

    /// Called with every accepted request, as it arrives (benchmarks time replies with it).
    let observer: (@Sendable (Received) -> Void)?

    public init(
        acceptedTokens: Set<String>? = nil,
        statusWebhook: (url: String, appSecret: String)? = nil,
        observer: (@Sendable (Received) -> Void)? = nil
    ) {
        self.acceptedTokens = acceptedTokens
        self.statusWebhook = statusWebhook.map { ($0.url, WebhookSignature(appSecret: $0.appSecret)) }
        self.observer = observer
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// The next requests fail like this, in order, before requests succeed again.
    public func fail(_ failures: Failure...) {
        state.withLock { $0.failures += failures }
    }

    /// The next request is received and then left unanswered until `release()`: a Graph API slow
    /// for one reply.
    public func holdNext() { state.withLock { $0.holdNext = true } }

    /// Answers the held request.
    public func release() { state.withLock { $0.holding = false } }

    /// Whether a request is held unanswered.
    public var holding: Bool { state.withLock { $0.holding } }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/:version/:phone/messages") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let token = request.headers[.authorization].flatMap { header in
                header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : nil
            }
            let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null
            let received = Received(
                version: context.parameters.get("version") ?? "",
                phoneNumberID: context.parameters.get("phone") ?? "",
                token: token,
                body: body
            )
            guard let token, !token.isEmpty, self.acceptedTokens?.contains(token) ?? true else {
                return FakeGraphAPI.error(.unauthorized, code: 190, title: "Invalid OAuth access token")
            }
            let (failure, sequence, held) = self.state.withLock { state -> (Failure?, Int, Bool) in
                state.received.append(received)
                state.sequence += 1
                let held = state.holdNext
                if held { (state.holdNext, state.holding) = (false, true) }
                return (state.failures.isEmpty ? nil : state.failures.removeFirst(), state.sequence, held)
            }
            while held && self.holding { try await Task.sleep(for: .milliseconds(10)) }
            if let failure { return FakeGraphAPI.error(failure.status, code: failure.code, title: failure.title) }
            self.observer?(received)
            if body["status"] == "read" { return FakeGraphAPI.json(.ok, ["success": true]) }
            let recipient = body["to"] ?? body["recipient"] ?? .null
            if self.statusWebhook != nil {
                let phone = received.phoneNumberID
                Task { await self.postStatuses(for: "wamid.FAKE.\(sequence)", from: phone, to: body) }
            }
            return FakeGraphAPI.json(
                .ok,
                [
                    "messaging_product": "whatsapp",
                    "contacts": [["input": recipient, "wa_id": recipient]],
                    "messages": [["id": .string("wamid.FAKE.\(sequence)"), "message_status": "accepted"]],
                ]
            )
        }
        // Not Meta's: what the fake received, for `talab chat` and tests. `after` skips that many.
        router.get("/_fake/messages") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after").flatMap(Int.init) ?? 0
            let received = self.received
            let rows: [JSONValue] = received.indices.dropFirst(after).map { index in
                [
                    "sequence": .number(Double(index + 1)), "phone_number_id": .string(received[index].phoneNumberID),
                    "body": received[index].body,
                ]
            }
            return FakeGraphAPI.json(.ok, ["messages": .array(rows)])
        }
        return router
    }

    /// Posts `sent`, `delivered` and `read` for a message, signed, as Meta does after accepting it.
    func postStatuses(for messageID: String, from phoneNumberID: String, to body: JSONValue) async {
        guard let (url, signature) = statusWebhook else { return }
        for status in ["sent", "delivered", "read"] {
            var entry: [String: JSONValue] = [
                "id": .string(messageID), "status": .string(status),
                "timestamp": .string(String(Int(Date().timeIntervalSince1970))),
            ]
            if let to = body["to"] { entry["recipient_id"] = to }
            if let user = body["recipient"] { entry["recipient_user_id"] = user }
            let payload = WebhookPayload.envelope(
                phoneNumberID: phoneNumberID,
                account: "FAKE_WABA",
                ["statuses": [.object(entry)]]
            )
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: payload))
            request.body = .bytes(ByteBuffer(bytes: payload))
            _ = try? await HTTPClient.shared.execute(request, timeout: .seconds(5))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        guard case .object(let object) = value else { return Response(status: status) }
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONValue.encode(object)))
        )
    }

    static func error(_ status: HTTPResponse.Status, code: Int, title: String) -> Response {
        json(
            status,
            [
                "error": [
                    "message": .string("(#\(code)) \(title)"), "type": "OAuthException", "code": .number(Double(code)),
                    "error_data": ["messaging_product": "whatsapp", "details": .string(title)],
                    "fbtrace_id": "AbCdEfFakeTrace",
                ]
            ]
        )
    }
}
