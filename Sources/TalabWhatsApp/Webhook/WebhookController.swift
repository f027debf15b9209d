import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore
public import TalabHTTP
import TalabMetrics
public import TalabStore

/// `/webhooks/whatsapp`: Meta's verification handshake, and signed notifications stored before the 200.
public struct WebhookController<Context: WebhookRequestContext>: Sendable {
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

    /// The routes, the POST behind `WebhookSignatureMiddleware`.
    public func add(to router: Router<Context>) {
        router.group("/webhooks/whatsapp")
            .add(
                middleware: WebhookSignatureMiddleware(
                    signature: signature,
                    budget: budget,
                    maxBody: WebhookController.maxBody
                )
            )
            .get(use: verify)
            .post(use: receive)
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

    /// Stores the body the middleware verified, before the 200; nothing without it.
    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        guard let bytes = context.verifiedWebhookBody else {
            throw APIError(.unauthorized, code: .invalidSignature, message: "the body's signature was not checked")
        }
        let id = try await inbox.store(bytes, orderingKey: WebhookPayload.orderingKey(of: bytes))
        TalabMetrics.webhooksReceived.increment()
        context.logger.debug("webhook stored", metadata: ["inbox_id": "\(id)", "bytes": "\(bytes.count)"])
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"received"}"#))
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
