import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabApp
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// What the server answers besides webhooks: every error in JSON with a stable code, methods a
/// route does not take, health checks by HEAD, the object store's images, and a full body budget.
@Suite struct HTTPEdgeTests {
    @Test func unknownRoutesWrongMethodsAndHeadAreAnsweredAsJSON() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let app = Application(router: Server.router(fixture.parts, settings: fixture.settings))
        try await app.test(.router) { client in
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            #expect(missing.status == .notFound && WebhookHTTPTests.errorCode(missing) == "not_found")
            #expect(missing.headers[.contentType]?.hasPrefix("application/json") == true)
            let wrong = try await client.execute(uri: "/webhooks/whatsapp", method: .delete)
            #expect(wrong.status == .methodNotAllowed)
            #expect(WebhookHTTPTests.errorCode(wrong) == "method_not_allowed")
            #expect(wrong.headers[.allow] == "GET, POST")
            let head = try await client.execute(uri: "/healthz", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            let ready = try await client.execute(uri: "/readyz", method: .head)
            #expect(ready.status == .serviceUnavailable || ready.status == .ok)
            // The images route exists only with an object store.
            let object = try await client.execute(
                uri: "/objects/images/\(String(repeating: "a", count: 40)).png",
                method: .get
            )
            #expect(object.status == .notFound && WebhookHTTPTests.errorCode(object) == "not_found")
        }
    }

    /// Ready means the database has every migration this build ships: a server started before
    /// `talab migrate` ran is kept out of the load balancer's rotation.
    @Test func aDatabaseBehindTheMigrationsIsNotReady() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        try await fixture.parts.catalog.refresh()
        let app = Application(router: Server.router(fixture.parts, settings: fixture.settings))
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            _ = try await fixture.count(
                "WITH gone AS (DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING 1) SELECT count(*)::int FROM gone"
            )
            let behind = try await client.execute(uri: "/readyz", method: .get)
            #expect(behind.status == .serviceUnavailable && WebhookHTTPTests.errorCode(behind) == "migrations_pending")
            #expect(try await client.execute(uri: "/readyz", method: .head).status == .serviceUnavailable)
        }
    }

    @Test func imagesAreServedImmutableAndNothingElseIsReachable() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-objects-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = LocalObjectStore(directory: folder)
        let id = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        try await store.put("images/\(id).png", png, contentType: "image/png")
        let secret = folder.appendingPathComponent("secret.txt")
        try Data("not for the web".utf8).write(to: secret)
        let linked = "c0ffee" + String(repeating: "0", count: 34)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("images/\(linked).png").path,
            withDestinationPath: secret.path
        )
        var settings = fixture.settings
        settings.objects = store
        let app = Application(router: Server.router(fixture.parts, settings: settings))
        try await app.test(.router) { client in
            let image = try await client.execute(uri: "/objects/images/\(id).png", method: .get)
            #expect(image.status == .ok && Array(buffer: image.body) == png)
            #expect(image.headers[.contentType] == "image/png")
            #expect(image.headers[.cacheControl]?.contains("immutable") == true)
            let tag = try #require(image.headers[.eTag])
            let again = try await client.execute(
                uri: "/objects/images/\(id).png",
                method: .get,
                headers: [.ifNoneMatch: tag]
            )
            #expect(again.status == .notModified)
            let head = try await client.execute(uri: "/objects/images/\(id).png", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            for path in [
                "/objects/secret.txt", "/objects/images/../secret.txt", "/objects/images/%2e%2e/secret.txt",
                "/objects/images/\(id).txt", "/objects/images/\(linked).png", "/objects/images/\(id.uppercased()).png",
                "/objects/", "/objects/images/", "/objects/images/\(id).png/x",
            ] {
                let refused = try await client.execute(uri: path, method: .get)
                #expect(refused.status == .notFound, "\(path)")
                #expect(WebhookHTTPTests.errorCode(refused) == "not_found", "\(path)")
                #expect(!String(buffer: refused.body).contains("not for the web"))
            }
        }
    }

    @Test func aBodyBeyondTheBudgetIsRefusedWith503AndRetryAfter() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        var settings = fixture.settings
        settings.bodyBudget = 2_048
        let parts = Server.parts(
            settings,
            sealer: nil,
            handler: AcknowledgingHandler(),
            logger: fixture.parts.processor.logger
        )
        defer { parts.pool.close() }
        let app = Application(router: Server.router(parts, settings: settings))
        try await app.test(.router) { client in
            let large =
                Array(#"{"object":"whatsapp_business_account","entry":[],"pad":""#.utf8)
                + [UInt8](repeating: 0x61, count: 3_000) + Array(#""}"#.utf8)
            let refused = try await WebhookHTTPTests.post(
                client,
                large,
                signature: ServerFixture.signature.header(for: large)
            )
            #expect(refused.status == .serviceUnavailable)
            #expect(WebhookHTTPTests.errorCode(refused) == "busy")
            #expect(refused.headers[.retryAfter] == "5")
            let small = Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)
            let stored = try await WebhookHTTPTests.post(
                client,
                small,
                signature: ServerFixture.signature.header(for: small)
            )
            #expect(stored.status == .ok)
            #expect(parts.bodyBudget.inUse == 0)
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox") == 1)
    }
}
