import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// Signing in and out of the dashboard over HTTP: cookies for browsers, bearer tokens for API
/// clients, revocation that takes effect at once, CSRF, forged and expired tokens, and guessing.
@Suite struct SignInTests {
    @Test func aLoginGetsACookieAndABearerTokenAndSignsOutEverywhere() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("Owner@Abu-Salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.application.test(.live) { client in
            let response = try await DashboardFixture.signIn(client, "  owner@abu-salim.example ")
            #expect(response.status == .created)
            let cookie = try #require(response.headers[.setCookie])
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
                #expect(cookie.contains(attribute), "\(attribute)")
            }
            let body = DashboardFixture.object(response)
            #expect((body["account"] as? [String: Any])?["role"] as? String == "owner")
            #expect(body["account"].map { "\($0)" }?.contains("hash") == false)
            let token = try #require(body["token"] as? String)
            #expect(token.split(separator: ".").count == 3)

            let me = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(token)"]
            )
            #expect(me.status == .ok)
            let viaCookie = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.cookie: String(cookie.split(separator: ";")[0])]
            )
            #expect(viaCookie.status == .ok)

            // A second session, then "sign out everywhere" from the first: both stop at once.
            let other = try await DashboardFixture.session(client, "owner@abu-salim.example")
            let out = try await client.execute(
                uri: "/api/v1/sessions",
                method: .delete,
                headers: [.authorization: "Bearer \(token)"]
            )
            #expect(out.status == .noContent)
            for bearer in [token, other.token] {
                let after = try await client.execute(
                    uri: "/api/v1/me",
                    method: .get,
                    headers: [.authorization: "Bearer \(bearer)"]
                )
                #expect(after.status == .unauthorized && DashboardFixture.errorCode(after) == "not_signed_in")
            }
        }
    }

    @Test func wrongPasswordsUnknownEmailsAndDisabledLoginsAreOneAnswer() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        try await fixture.login("gone@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        try await fixture.dashboard.accounts.disable(email: "gone@abu-salim.example")
        try await fixture.application.test(.live) { client in
            for (email, password) in [
                ("staff@abu-salim.example", "wrong password!"), ("nobody@abu-salim.example", DashboardFixture.password),
                ("gone@abu-salim.example", DashboardFixture.password),
            ] {
                let response = try await DashboardFixture.signIn(client, email, password: password)
                #expect(response.status == .unauthorized, "\(email)")
                #expect(DashboardFixture.errorCode(response) == "invalid_credentials")
                #expect(
                    DashboardFixture.object(response)["error"].map { "\($0)" }?.contains("Wrong email or password")
                        == true
                )
            }
            let malformed = try await client.execute(
                uri: "/api/v1/sessions",
                method: .post,
                body: ByteBuffer(string: "email=a&password=b")
            )
            #expect(malformed.status == .badRequest && DashboardFixture.errorCode(malformed) == "bad_request")
        }
    }

    @Test func fiveWrongPasswordsSlowSignInDownEvenWithTheRightOne() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("manager@abu-salim.example", role: .manager, tenant: "abu-salim-grill")
        try await fixture.application.test(.live) { client in
            for attempt in 1...5 {
                let wrong = try await DashboardFixture.signIn(
                    client,
                    "manager@abu-salim.example",
                    password: "guess \(attempt)!!!"
                )
                #expect(wrong.status == .unauthorized)
            }
            let blocked = try await DashboardFixture.signIn(client, "manager@abu-salim.example")
            #expect(blocked.status == .tooManyRequests && DashboardFixture.errorCode(blocked) == "too_many_attempts")
            let wait = try #require(blocked.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 0 && wait <= 30)
            // Another login from the same address is not blocked by this one's failures.
            try await fixture.login("other@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
            #expect(try await DashboardFixture.signIn(client, "other@abu-salim.example").status == .created)
        }
    }

    @Test func forgedAndCSRFLessRequestsAreRefused() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        let order = try await fixture.pendingOrder()
        try await fixture.application.test(.live) { client in
            let session = try await DashboardFixture.session(client, "owner@abu-salim.example")
            // Signed with another key: refused.
            let forger = try await SessionTokens(secret: String(repeating: "f", count: 40))
            let claims = try #require(await fixture.dashboard.tokens.verify(session.token))
            let forged = try await forger.sign(session: claims.session!, account: claims.account!, csrf: claims.csrf)
            let refused = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(forged)"]
            )
            #expect(refused.status == .unauthorized)
            // alg "none", the same claims: refused.
            let parts = session.token.split(separator: ".")
            let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            let unsigned = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(none).\(parts[1])."]
            )
            #expect(unsigned.status == .unauthorized)

            // A browser's state change without the CSRF token, with a wrong one, then with it.
            let move = DashboardFixture.json(["status": "accepted"])
            let noToken = try await client.execute(
                uri: "/api/v1/orders/\(order)/status",
                method: .post,
                headers: [.cookie: session.cookie],
                body: move
            )
            #expect(noToken.status == .forbidden && DashboardFixture.errorCode(noToken) == "csrf_failed")
            // One character changed (never to itself: the token is random and may begin with an "x").
            let wrong = (session.csrf.first == "x" ? "y" : "x") + session.csrf.dropFirst()
            let wrongToken = try await client.execute(
                uri: "/api/v1/orders/\(order)/status",
                method: .post,
                headers: [.cookie: session.cookie, HTTPField.Name("X-CSRF-Token")!: wrong],
                body: move
            )
            #expect(wrongToken.status == .forbidden)
            #expect(try await fixture.database.count("SELECT count(*)::int FROM orders WHERE status = 'pending'") == 1)

        }
    }

    @Test func aSessionIsNotedAsSeenAtMostOnceAMinute() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.application.test(.live) { client in
            let session = try await DashboardFixture.session(client, "owner@abu-salim.example")
            func seen() async throws -> Int {
                try await fixture.database.count(
                    "SELECT (extract(epoch FROM last_seen_at) * 1000000)::bigint % 1000000000 FROM account_sessions"
                )
            }
            _ = try await fixture.database.count(
                "WITH m AS (UPDATE account_sessions SET last_seen_at = now() - interval '30 seconds' RETURNING 1) SELECT count(*)::int FROM m"
            )
            let first = try await seen()
            for _ in 0..<3 {
                let me = try await client.execute(
                    uri: "/api/v1/me",
                    method: .get,
                    headers: [.authorization: "Bearer \(session.token)"]
                )
                #expect(me.status == .ok)
            }
            #expect(try await seen() == first)
            _ = try await fixture.database.count(
                "WITH m AS (UPDATE account_sessions SET last_seen_at = now() - interval '2 minutes' RETURNING 1) SELECT count(*)::int FROM m"
            )
            let stale = try await seen()
            _ = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(session.token)"]
            )
            #expect(try await seen() != stale)
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM account_sessions WHERE last_seen_at > now() - interval '5 seconds'"
                ) == 1
            )
        }
    }

    @Test func anExpiredTokenIsRefusedThoughItsSessionLives() async throws {
        let fixture = try await DashboardFixture.make(tokenLifetime: 1)
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.application.test(.live) { client in
            let session = try await DashboardFixture.session(client, "owner@abu-salim.example")
            // The token lives one second: after two it is expired.
            try await Task.sleep(for: .seconds(2.1))
            let expired = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(session.token)"]
            )
            #expect(expired.status == .unauthorized && DashboardFixture.errorCode(expired) == "not_signed_in")
        }
    }
}
