import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

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
    }
    private let state = Mutex(State())
    /// The only token it accepts, when set (error 190 otherwise).
    public let acceptedTokens: Set<String>?

    public init(acceptedTokens: Set<String>? = nil) {
        self.acceptedTokens = acceptedTokens
    }

    public var received: [Received] { state.withLock { $0.received } }

    /// The next requests fail like this, in order, before requests succeed again.
    public func fail(_ failures: Failure...) {
        state.withLock { $0.failures += failures }
    }

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
            if let accepted = self.acceptedTokens, !accepted.contains(token ?? "") {
                return FakeGraphAPI.error(.unauthorized, code: 190, title: "Invalid OAuth access token")
            }
            let (failure, sequence) = self.state.withLock { state -> (Failure?, Int) in
                state.received.append(received)
                state.sequence += 1
                return (state.failures.isEmpty ? nil : state.failures.removeFirst(), state.sequence)
            }
            if let failure { return FakeGraphAPI.error(failure.status, code: failure.code, title: failure.title) }
            if body["status"] == "read" { return FakeGraphAPI.json(.ok, ["success": true]) }
            let recipient = body["to"] ?? body["recipient"] ?? .null
            return FakeGraphAPI.json(
                .ok,
                [
                    "messaging_product": "whatsapp",
                    "contacts": [["input": recipient, "wa_id": recipient]],
                    "messages": [["id": .string("wamid.FAKE.\(sequence)"), "message_status": "accepted"]],
                ]
            )
        }
        return router
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
