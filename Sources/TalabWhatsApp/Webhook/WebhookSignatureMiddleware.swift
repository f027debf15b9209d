public import HTTPTypes
public import Hummingbird
import Logging
import NIOCore
public import TalabHTTP
import TalabMetrics

/// Reads a POSTed webhook body within the server's body budget and its size limit, checks
/// `X-Hub-Signature-256` against it, and passes it on in the context (`verifiedWebhookBody`); an
/// unsigned or wrongly signed body is a 401 before any handler runs. The budget stays reserved until
/// the handler answered. Other methods (Meta's GET handshake) pass through untouched.
public struct WebhookSignatureMiddleware<Context: WebhookRequestContext>: RouterMiddleware {
    public let signature: WebhookSignature
    /// Bodies held at once by every webhook request of this server.
    public let budget: BodyBudget
    /// A larger body is refused before it is read whole.
    public let maxBody: Int

    public init(signature: WebhookSignature, budget: BodyBudget, maxBody: Int) {
        self.signature = signature
        self.budget = budget
        self.maxBody = maxBody
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        do {
            return try await verified(request, context: context, next: next)
        } catch let error as APIError {
            TalabMetrics.webhookRejected(error.code.value)
            throw error
        }
    }

    private func verified(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > maxBody { throw tooLarge }
        // The declared length, or the most a body may be when it is sent in chunks.
        let reserved = max(declared ?? maxBody, 0)
        let answered = try await budget.with(reserved) { () async throws -> Response in
            let bytes: [UInt8]
            do {
                bytes = Array(try await request.body.collect(upTo: reserved).readableBytesView)
            } catch is NIOTooManyBytesError {
                throw tooLarge
            }
            guard signature.isValid(request.headers[.hubSignature], for: bytes) else {
                throw APIError(
                    .unauthorized,
                    code: .invalidSignature,
                    message: "X-Hub-Signature-256 is missing or does not sign this body"
                )
            }
            var verified = context
            verified.verifiedWebhookBody = bytes
            return try await next(request, verified)
        }
        guard let answered else {
            context.logger.warning("webhook refused: body budget spent", metadata: ["bytes": "\(reserved)"])
            throw WebhookSignatureMiddleware.busy
        }
        return answered
    }

    var tooLarge: APIError {
        APIError(
            .contentTooLarge,
            code: .payloadTooLarge,
            message: "webhook bodies are limited to \(maxBody / (1024 * 1024)) MiB"
        )
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
}

extension HTTPField.Name {
    /// Meta's signature of a webhook body.
    public static let hubSignature = HTTPField.Name("X-Hub-Signature-256")!
}
