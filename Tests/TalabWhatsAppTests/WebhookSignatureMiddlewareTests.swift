import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TalabHTTP
import TalabStore
import Testing

@testable import TalabWhatsApp

/// The webhook's signature is checked by middleware in front of the route, with the body budget and
/// size limit; the route reads only a body the middleware verified.
@Suite struct WebhookSignatureMiddlewareTests {
    struct Context: WebhookRequestContext {
        var coreContext: CoreRequestContextStorage
        var verifiedWebhookBody: [UInt8]?
        init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    }

    final class Seen: Sendable {
        let bodies = Mutex<[[UInt8]]>([])
    }

    static let secret = "middleware-test-secret"

    /// A route behind the middleware that answers with the body it was handed, and counts its calls.
    static func application(budget: Int = 1 << 20, maxBody: Int = 1024, seen: Seen) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        router.middlewares.add(JSONErrorMiddleware(routes: ["/hook": [.get, .post]]))
        router.group("/hook")
            .add(
                middleware: WebhookSignatureMiddleware(
                    signature: WebhookSignature(appSecret: secret),
                    budget: BodyBudget(capacity: budget),
                    maxBody: maxBody
                )
            )
            .get { _, context in context.verifiedWebhookBody == nil ? "no body checked" : "checked" }
            .post { _, context -> String in
                let body = context.verifiedWebhookBody ?? []
                seen.bodies.withLock { $0.append(body) }
                return String(decoding: body, as: UTF8.self)
            }
        return Application(router: router)
    }

    static func code(_ response: TestResponse) -> String? {
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }

    @Test func onlyASignedBodyReachesTheRouteAndItArrivesAsSigned() async throws {
        let seen = Seen()
        let body = Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)
        let signed = WebhookSignature(appSecret: WebhookSignatureMiddlewareTests.secret).header(for: body)
        let forged = WebhookSignature(appSecret: "another-secret").header(for: body)
        try await WebhookSignatureMiddlewareTests.application(seen: seen).test(.router) { client in
            let unsigned = try await client.execute(uri: "/hook", method: .post, body: ByteBuffer(bytes: body))
            #expect(unsigned.status == .unauthorized)
            #expect(WebhookSignatureMiddlewareTests.code(unsigned) == "invalid_signature")
            let wrong = try await client.execute(
                uri: "/hook",
                method: .post,
                headers: [.hubSignature: forged],
                body: ByteBuffer(bytes: body)
            )
            #expect(wrong.status == .unauthorized)
            // Signed for other bytes: one byte changed.
            let tampered = try await client.execute(
                uri: "/hook",
                method: .post,
                headers: [.hubSignature: signed],
                body: ByteBuffer(bytes: body + [0x20])
            )
            #expect(tampered.status == .unauthorized)
            #expect(seen.bodies.withLock { $0.isEmpty })
            let good = try await client.execute(
                uri: "/hook",
                method: .post,
                headers: [.hubSignature: signed],
                body: ByteBuffer(bytes: body)
            )
            #expect(good.status == .ok && Array(good.body.readableBytesView) == body)
            // Meta's handshake is a GET: it passes, with no body checked.
            let handshake = try await client.execute(uri: "/hook", method: .get)
            #expect(String(buffer: handshake.body) == "no body checked")
        }
        #expect(seen.bodies.withLock { $0 } == [body])
    }

    @Test func aBodyOverTheLimitOrBeyondTheBudgetIsRefusedBeforeTheRoute() async throws {
        let seen = Seen()
        let body = Array(repeating: UInt8(ascii: "x"), count: 600)
        let signed = WebhookSignature(appSecret: WebhookSignatureMiddlewareTests.secret).header(for: body)
        try await WebhookSignatureMiddlewareTests.application(maxBody: 500, seen: seen).test(.router) { client in
            let large = try await client.execute(
                uri: "/hook",
                method: .post,
                headers: [.hubSignature: signed],
                body: ByteBuffer(bytes: body)
            )
            #expect(
                large.status == .contentTooLarge && WebhookSignatureMiddlewareTests.code(large) == "payload_too_large"
            )
        }
        try await WebhookSignatureMiddlewareTests.application(budget: 100, seen: seen).test(.router) { client in
            let busy = try await client.execute(
                uri: "/hook",
                method: .post,
                headers: [.hubSignature: signed],
                body: ByteBuffer(bytes: body)
            )
            #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "5")
            #expect(WebhookSignatureMiddlewareTests.code(busy) == "busy")
        }
        #expect(seen.bodies.withLock { $0.isEmpty })
    }

    @Test func theWebhookRouteWithoutTheMiddlewareStoresNothing() async throws {
        let pool = PostgresPool(url: try DatabaseURL("postgresql://nobody@127.0.0.1:1/none"), maxConnections: 1)
        defer { pool.close() }
        let controller = WebhookController<Context>(
            inbox: WebhookInbox(pool: pool),
            appSecret: WebhookSignatureMiddlewareTests.secret,
            verifyToken: "token",
            budget: BodyBudget(capacity: 1 << 20)
        )
        let router = Router(context: Context.self)
        router.middlewares.add(JSONErrorMiddleware(routes: ["/bare": [.post]]))
        router.post("/bare", use: controller.receive)
        let body = Array("{}".utf8)
        let signed = WebhookSignature(appSecret: WebhookSignatureMiddlewareTests.secret).header(for: body)
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(
                uri: "/bare",
                method: .post,
                headers: [.hubSignature: signed],
                body: ByteBuffer(bytes: body)
            )
            #expect(
                response.status == .unauthorized
                    && WebhookSignatureMiddlewareTests.code(response) == "invalid_signature"
            )
        }
    }
}
