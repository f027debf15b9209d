import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TalabHTTP
import TalabStore

/// `/webhooks/whatsapp`: Meta's verification handshake, and signed notifications stored before the 200.
public struct WebhookController<Context: RequestContext>: Sendable {
    public let inbox: WebhookInbox
    public let signature: WebhookSignature
    public let verifyToken: String
    /// Bodies held at once by every webhook request of this server.
    public let budget: BodyBudget
    /// Meta's bodies stay far below this; a larger one is refused before it is read whole.
    public static var maxBody: Int { 3 * 1024 * 1024 }

    public init(inbox: WebhookInbox, appSecret: String, verifyToken: String, budget: BodyBudget) {
        self.inbox = inbox
        self.signature = WebhookSignature(appSecret: appSecret)
        self.verifyToken = verifyToken
        self.budget = budget
    }

    public func add(to router: Router<Context>) {
        router.get("/webhooks/whatsapp", use: verify)
        router.post("/webhooks/whatsapp", use: receive)
    }

    /// `hub.mode=subscribe` with our verify token: the raw challenge back as text.
    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard query["hub.mode"] == "subscribe", let token = query["hub.verify_token"],
            WebhookController.constantTimeEqual(String(token), verifyToken), let challenge = query["hub.challenge"]
        else {
            throw APIError(.forbidden, code: .verificationFailed, message: "the verify token does not match")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: String(challenge)))
        )
    }

    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > WebhookController.maxBody { throw WebhookController.tooLarge }
        // The declared length, or the most a body may be when it is sent in chunks.
        let reserved = max(declared ?? WebhookController.maxBody, 0)
        guard let response = try await budget.with(reserved, { try await receive(request, context, limit: reserved) })
        else {
            context.logger.warning("webhook refused: body budget spent", metadata: ["bytes": "\(reserved)"])
            throw WebhookController.busy
        }
        return response
    }

    private func receive(_ request: Request, _ context: Context, limit: Int) async throws -> Response {
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw WebhookController.tooLarge
        }
        guard signature.isValid(request.headers[WebhookController.signatureHeader], for: bytes) else {
            throw APIError(
                .unauthorized,
                code: .invalidSignature,
                message: "X-Hub-Signature-256 is missing or does not sign this body"
            )
        }
        let id = try await inbox.store(bytes, orderingKey: WebhookPayload.orderingKey(of: bytes))
        context.logger.debug("webhook stored", metadata: ["inbox_id": "\(id)", "bytes": "\(bytes.count)"])
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"received"}"#))
        )
    }

    static var signatureHeader: HTTPField.Name { .hubSignature }
    static var tooLarge: APIError {
        APIError(.contentTooLarge, code: .payloadTooLarge, message: "webhook bodies are limited to 3 MiB")
    }
    /// Too many bodies in flight: Meta retries a 503, later.
    static var busy: APIError {
        APIError(
            .serviceUnavailable,
            code: .busy,
            message: "too many webhook bodies in flight; retry later",
            headers: [.retryAfter: "5", .connection: "close"]
        )
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<min(left.count, right.count) { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

extension HTTPField.Name {
    static let hubSignature = HTTPField.Name("X-Hub-Signature-256")!
}
