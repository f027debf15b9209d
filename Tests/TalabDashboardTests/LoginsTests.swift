import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// Owners manage their own people: invite by link (good once, for a week, revocable), change a
/// login's role or branch, disable it (signed out at once); everything audited with who did it.
@Suite struct LoginsTests {
    static func bearer(_ session: DashboardFixture.Session) -> HTTPFields {
        [.authorization: "Bearer \(session.token)"]
    }

    @Test func anOwnerInvitesSomeoneWhoJoinsOnceWithTheirOwnPassword() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.login("manager@abu-salim.example", role: .manager, tenant: "abu-salim-grill")
        try await fixture.application.test(.live) { client in
            let owner = try await DashboardFixture.session(client, "owner@abu-salim.example")
            let manager = try await DashboardFixture.session(client, "manager@abu-salim.example")
            let invite = DashboardFixture.json(["email": " Rami@Example.com ", "role": "staff", "branch": "hamra"])
            // Only an owner invites.
            let refused = try await client.execute(
                uri: "/api/v1/invitations",
                method: .post,
                headers: LoginsTests.bearer(manager),
                body: invite
            )
            #expect(refused.status == .forbidden)
            let made = try await client.execute(
                uri: "/api/v1/invitations",
                method: .post,
                headers: LoginsTests.bearer(owner),
                body: invite
            )
            #expect(made.status == .created)
            let invitation = DashboardFixture.object(made)
            #expect(invitation["email"] as? String == "rami@example.com")
            #expect(invitation["state"] as? String == "open" && invitation["branch"] as? String == "hamra")
            let link = try #require(invitation["link"] as? String)
            let token = String(try #require(link.split(separator: "/").last))
            // The link's secret is not kept: only its digest, and the listing never shows it again.
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM account_invitations WHERE token_hash = '\(token)'"
                ) == 0
            )
            let listed = try await client.execute(
                uri: "/api/v1/invitations",
                method: .get,
                headers: LoginsTests.bearer(owner)
            )
            #expect(
                !String(buffer: listed.body).contains(token) && String(buffer: listed.body).contains("rami@example.com")
            )
            // A second invitation for the same email while the first is open is refused plainly.
            let again = try await client.execute(
                uri: "/api/v1/invitations",
                method: .post,
                headers: LoginsTests.bearer(owner),
                body: invite
            )
            #expect(again.status == .conflict && DashboardFixture.errorCode(again) == "email_taken")

            func accept(_ password: String, token: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/invitations/accept",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: DashboardFixture.json(["token": token, "password": password, "display_name": "Rami"])
                )
            }
            let weak = try await accept("short", token: token)
            #expect(weak.status == .badRequest && DashboardFixture.errorCode(weak) == "weak_password")
            let wrong = try await accept("a good long password", token: String(token.reversed()))
            #expect(wrong.status == .notFound && DashboardFixture.errorCode(wrong) == "invitation_closed")
            let joined = try await accept("a good long password", token: token)
            #expect(joined.status == .created)
            let bearer = try #require(DashboardFixture.object(joined)["token"] as? String)
            let me = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: [.authorization: "Bearer \(bearer)"]
            )
            let account = try #require(DashboardFixture.object(me)["account"] as? [String: Any])
            #expect(account["email"] as? String == "rami@example.com" && account["role"] as? String == "staff")
            #expect(account["branch"] as? String == "hamra" && account["business"] as? String == "abu-salim-grill")
            #expect(account["display_name"] as? String == "Rami")
            // Good once.
            let twice = try await accept("another long password", token: token)
            #expect(twice.status == .notFound && DashboardFixture.errorCode(twice) == "invitation_closed")
            // Both steps are audited: the owner invited, the person joined.
            #expect(
                try await fixture.database.count(
                    """
                    SELECT count(*)::int FROM audit.audit_logs
                    WHERE (entity_type = 'invitation' AND action = 'create' AND actor_email = 'owner@abu-salim.example')
                       OR (entity_type = 'account' AND action = 'create' AND actor_email = 'rami@example.com')
                    """
                ) == 2
            )
        }
    }

    @Test func aRevokedOrExpiredInvitationOpensNothing() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        try await fixture.application.test(.live) { client in
            let owner = try await DashboardFixture.session(client, "owner@abu-salim.example")
            var tokens: [String: (id: String, token: String)] = [:]
            for email in ["revoked@example.com", "expired@example.com", "owner@salon-rima.example"] {
                let made = try await client.execute(
                    uri: "/api/v1/invitations",
                    method: .post,
                    headers: LoginsTests.bearer(owner),
                    body: DashboardFixture.json(["email": email, "role": "manager"])
                )
                #expect(made.status == .created, "\(email)")
                let object = DashboardFixture.object(made)
                tokens[email] = (
                    object["id"] as? String ?? "",
                    String((object["link"] as? String ?? "").split(separator: "/").last ?? "")
                )
            }
            // Another business cannot revoke this one's invitation (it does not exist for them).
            let salon = try await DashboardFixture.session(client, "owner@salon-rima.example")
            let foreign = try await client.execute(
                uri: "/api/v1/invitations/\(tokens["revoked@example.com"]!.id)",
                method: .delete,
                headers: LoginsTests.bearer(salon)
            )
            #expect(foreign.status == .notFound)
            let revoked = try await client.execute(
                uri: "/api/v1/invitations/\(tokens["revoked@example.com"]!.id)",
                method: .delete,
                headers: LoginsTests.bearer(owner)
            )
            #expect(revoked.status == .noContent)
            _ = try await fixture.database.count(
                "WITH e AS (UPDATE account_invitations SET expires_at = now() - interval '1 second' WHERE email = 'expired@example.com' RETURNING 1) SELECT count(*)::int FROM e"
            )
            for email in ["revoked@example.com", "expired@example.com"] {
                let accept = try await client.execute(
                    uri: "/api/v1/invitations/accept",
                    method: .post,
                    body: DashboardFixture.json(["token": tokens[email]!.token, "password": "a good long password"])
                )
                #expect(accept.status == .notFound, "\(email)")
                // The page says so too, without a form.
                let page = try await client.execute(uri: "/dashboard/join/\(tokens[email]!.token)", method: .get)
                #expect(page.status == .gone && !String(buffer: page.body).contains("name=\"password\""))
            }
            // An email that has a login in another business: refused on joining, and nothing changes.
            let taken = try await client.execute(
                uri: "/api/v1/invitations/accept",
                method: .post,
                body: DashboardFixture.json([
                    "token": tokens["owner@salon-rima.example"]!.token, "password": "a good long password",
                ])
            )
            #expect(taken.status == .conflict && DashboardFixture.errorCode(taken) == "email_taken")
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM accounts WHERE email = 'owner@salon-rima.example' AND role = 'owner'"
                ) == 1
            )
            #expect(try await fixture.database.count("SELECT count(*)::int FROM accounts") == 2)
        }
    }

    @Test func anOwnerChangesAndDisablesLoginsButNotTheirOwnNorAnotherBusinesss() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        let owner = try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        let staff = try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        let other = try await fixture.login("staff@salon-rima.example", role: .staff, tenant: "salon-rima")
        try await fixture.application.test(.live) { client in
            let ownerSession = try await DashboardFixture.session(client, "owner@abu-salim.example")
            let staffSession = try await DashboardFixture.session(client, "staff@abu-salim.example")
            func change(
                _ id: UUID,
                _ body: [String: Any],
                as session: DashboardFixture.Session
            ) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/accounts/\(id)",
                    method: .post,
                    headers: LoginsTests.bearer(session),
                    body: DashboardFixture.json(body)
                )
            }
            // Staff see no logins and change none.
            let list = try await client.execute(
                uri: "/api/v1/accounts",
                method: .get,
                headers: LoginsTests.bearer(staffSession)
            )
            #expect(list.status == .forbidden)
            #expect(try await change(owner.id, ["disabled": true], as: staffSession).status == .forbidden)

            let promoted = try await change(staff.id, ["role": "manager", "branch": "hamra"], as: ownerSession)
            #expect(promoted.status == .ok)
            #expect(DashboardFixture.object(promoted)["role"] as? String == "manager")
            #expect(DashboardFixture.object(promoted)["branch"] as? String == "hamra")
            let ownChange = try await change(owner.id, ["role": "staff"], as: ownerSession)
            #expect(ownChange.status == .conflict && DashboardFixture.errorCode(ownChange) == "own_login")
            #expect(try await change(other.id, ["disabled": true], as: ownerSession).status == .notFound)
            #expect(try await change(staff.id, ["role": "admin"], as: ownerSession).status == .badRequest)
            #expect(try await change(staff.id, ["branch": "nowhere"], as: ownerSession).status == .notFound)

            // Disabled: the staff member's session stops at once.
            let before = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: LoginsTests.bearer(staffSession)
            )
            #expect(before.status == .ok)
            #expect(try await change(staff.id, ["disabled": true], as: ownerSession).status == .ok)
            let after = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: LoginsTests.bearer(staffSession)
            )
            #expect(after.status == .unauthorized)
            let signIn = try await DashboardFixture.signIn(client, "staff@abu-salim.example")
            #expect(signIn.status == .unauthorized)
            #expect(try await change(staff.id, ["disabled": false], as: ownerSession).status == .ok)
            #expect(try await DashboardFixture.signIn(client, "staff@abu-salim.example").status == .created)
            // The other business's login was never touched; every change here is audited by the owner.
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM accounts WHERE email = 'staff@salon-rima.example' AND disabled_at IS NULL"
                ) == 1
            )
            #expect(
                try await fixture.database.count(
                    """
                    SELECT count(*)::int FROM audit.audit_logs
                    WHERE entity_type = 'account' AND action = 'update' AND actor_email = 'owner@abu-salim.example'
                      AND entity_id = '\(staff.id)' AND before ->> 'role' IS NOT NULL AND after ->> 'role' IS NOT NULL
                    """
                ) == 3
            )
        }
    }

    @Test func everyTableWithABusinesssRowsIsBoundByRowLevelSecurity() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        // Any table (now or added later) with a business_id column must have RLS enabled and forced.
        let tables = """
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'history', 'audit')
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'business_id' AND NOT a.attisdropped)
            """
        #expect(try await fixture.database.count("SELECT count(*)::int \(tables)") >= 25)
        #expect(
            try await fixture.database.count(
                "SELECT count(*)::int \(tables) AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
            ) == 0
        )
    }
}
