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

/// The webhook endpoint through the real router, on a real database.
@Suite struct WebhookHTTPTests {
    static func application(_ fixture: ServerFixture) -> some ApplicationProtocol {
        Application(router: Server.router(fixture.parts, settings: fixture.settings))
    }

    static func post(
        _ client: some TestClientProtocol,
        _ body: [UInt8],
        signature: String?
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("X-Hub-Signature-256")!] = signature }
        return try await client.execute(
            uri: "/webhooks/whatsapp",
            method: .post,
            headers: headers,
            body: ByteBuffer(bytes: body)
        )
    }

    static func errorCode(_ response: TestResponse) -> String? {
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }

    @Test func theVerificationHandshakeEchoesTheChallengeOnlyForOurToken() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            let good = try await client.execute(
                uri:
                    "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=talab-verify-test&hub.challenge=1158201444",
                method: .get
            )
            #expect(good.status == .ok)
            #expect(String(buffer: good.body) == "1158201444")
            for query in [
                "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
                "hub.mode=unsubscribe&hub.verify_token=talab-verify-test&hub.challenge=1",
                "hub.mode=subscribe&hub.challenge=1",
            ] {
                let bad = try await client.execute(uri: "/webhooks/whatsapp?\(query)", method: .get)
                #expect(bad.status == .forbidden)
                #expect(WebhookHTTPTests.errorCode(bad) == "verification_failed")
            }
        }
    }

    @Test func anUnsignedOrMissignedBodyIsRefusedAndNothingIsStored() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.A", text: "hi")
        let other = WebhookSignature(appSecret: "another-secret")
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            var tampered = body
            tampered[tampered.count - 3] ^= 1
            for signature in [
                nil, "", "sha256=", "sha1=abc", other.header(for: body), ServerFixture.signature.header(for: tampered),
                "sha256=" + String(repeating: "z", count: 64),
            ] {
                let response = try await WebhookHTTPTests.post(client, body, signature: signature)
                #expect(response.status == .unauthorized)
                #expect(WebhookHTTPTests.errorCode(response) == "invalid_signature")
                #expect(!String(buffer: response.body).contains(ServerFixture.appSecret))
            }
            let good = try await WebhookHTTPTests.post(
                client,
                body,
                signature: ServerFixture.signature.header(for: body)
            )
            #expect(good.status == .ok)
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox") == 1)
    }

    @Test func aSignatureOverReserialisedJSONDoesNotSignTheRawBytes() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        // Meta's own bytes: Arabic as \u escapes, a slash escaped. A framework that parses and
        // re-serialises gets other bytes, and its HMAC is not Meta's.
        let raw = Array(
            #"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352243100"},"messages":[{"from":"96170000123","id":"wamid.AR","timestamp":"1790000000","type":"text","text":{"body":"\u0645\u0631\u062d\u0628\u0627 http:\/\/x"}}]}}]}]}"#
                .utf8
        )
        let reserialised = Array(
            try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(raw)))
        )
        #expect(reserialised != raw)
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            let forged = try await WebhookHTTPTests.post(
                client,
                raw,
                signature: ServerFixture.signature.header(for: reserialised)
            )
            #expect(forged.status == .unauthorized)
            let exact = try await WebhookHTTPTests.post(
                client,
                raw,
                signature: ServerFixture.signature.header(for: raw)
            )
            #expect(exact.status == .ok)
        }
        // The raw bytes are what is stored.
        let stored = try await fixture.parts.pool.query(
            PostgresStatement("test.body", "SELECT body FROM webhook_inbox")
        )
        #expect(try stored[0].decode(PostgresBytes.self, "body").bytes == raw)
    }

    @Test func aBodyOverThreeMebibytesIsRefusedWith413() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 3 * 1024 * 1024 + 1)
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            let response = try await WebhookHTTPTests.post(
                client,
                body,
                signature: ServerFixture.signature.header(for: body)
            )
            #expect(response.status == .contentTooLarge)
            #expect(WebhookHTTPTests.errorCode(response) == "payload_too_large")
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox") == 0)
    }

    @Test(.enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.missing)))
    func everyPeerFixtureSignedIsAcknowledgedStoredAndProcessed() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let fixtures = try PeerFixtures.all()
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            for (name, bytes) in fixtures {
                // As sent to an unknown number, and as sent to Padel Beirut's.
                for body in [bytes, try PeerFixtures.addressed(bytes, to: ExampleCatalog.padelNumber)] {
                    let response = try await WebhookHTTPTests.post(
                        client,
                        body,
                        signature: ServerFixture.signature.header(for: body)
                    )
                    #expect(response.status == .ok, "\(name)")
                }
            }
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox") == 160)
        try await fixture.drain()
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state = 'done'") == 160)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_unroutable") > 0)
        let padel = "(SELECT id FROM users WHERE slug = 'padel-beirut')"
        // Each message with a sender is logged once per Meta id: fixtures share ids like `wamid.xyzxyz`.
        var ids: Set<String> = []
        var anonymous = 0
        for (_, bytes) in fixtures {
            let raw = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            for change in (raw?["entry"] as? [[String: Any]] ?? []).flatMap({ $0["changes"] as? [[String: Any]] ?? [] })
            {
                guard let value = change["value"] as? [String: Any],
                    (change["field"] as? String ?? "messages") == "messages"
                else { continue }
                let contacts = value["contacts"] as? [[String: Any]] ?? []
                for message in value["messages"] as? [[String: Any]] ?? [] {
                    let sender =
                        message["from"] ?? message["from_user_id"]
                        ?? (contacts.count == 1 ? contacts[0]["user_id"] ?? contacts[0]["wa_id"] : nil)
                    guard sender != nil else { continue }
                    if let id = message["id"] as? String { ids.insert(id) } else { anonymous += 1 }
                }
            }
        }
        let logged = try await fixture.count(
            "SELECT count(*)::int FROM audit.message_logs WHERE business_id = \(padel)"
        )
        #expect(logged == ids.count + anonymous)
        #expect(logged > 20)
        #expect(try await fixture.count("SELECT count(*)::int FROM message_delivery WHERE business_id = \(padel)") > 5)
    }

    @Test func healthAndReadinessAnswerJSON() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok && String(buffer: health.body).contains(#""status":"ok""#))
            let early = try await client.execute(uri: "/readyz", method: .get)
            #expect(early.status == .serviceUnavailable && WebhookHTTPTests.errorCode(early) == "catalog_not_loaded")
            try await fixture.parts.catalog.refresh()
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok && String(buffer: ready.body).contains(#""businesses":3"#))
        }
    }
}
