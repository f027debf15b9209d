import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// The platform's admins: their own path (every request recorded before it reads, a role that can
/// change only subscriptions and logins), businesses' subscriptions set and audited, logins
/// disabled, unroutable webhooks and reconcile runs with what they changed.
@Suite struct AdminTests {
    static func bearer(_ session: DashboardFixture.Session) -> HTTPFields {
        [.authorization: "Bearer \(session.token)", .contentType: "application/json"]
    }

    @Test func anAdminSetsASubscriptionAuditedAndEveryAdminRequestIsRecorded() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("admin@talab.example", role: .admin, tenant: nil)
        try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        try await fixture.application.test(.live) { client in
            let admin = try await DashboardFixture.session(client, "admin@talab.example")
            let owner = try await DashboardFixture.session(client, "owner@salon-rima.example")
            // A business's login is refused, and its attempt is not an admin request.
            let refused = try await client.execute(
                uri: "/api/v1/admin/businesses",
                method: .get,
                headers: AdminTests.bearer(owner)
            )
            #expect(refused.status == .forbidden)
            #expect(try await fixture.database.count("SELECT count(*)::int FROM audit.admin_requests") == 0)

            let list = try await client.execute(
                uri: "/api/v1/admin/businesses",
                method: .get,
                headers: AdminTests.bearer(admin)
            )
            let businesses = try #require(DashboardFixture.object(list)["businesses"] as? [[String: Any]])
            #expect(
                Set(businesses.compactMap { $0["slug"] as? String }) == [
                    "abu-salim-grill", "padel-beirut", "salon-rima",
                ]
            )
            let salon = try #require(businesses.first { $0["slug"] as? String == "salon-rima" })
            let id = try #require(salon["id"] as? String)

            func set(_ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/admin/businesses/\(id)/subscription",
                    method: .post,
                    headers: AdminTests.bearer(admin),
                    body: DashboardFixture.json(body)
                )
            }
            let bad = try await set(["type": "gold", "status": "active"])
            #expect(bad.status == .badRequest && DashboardFixture.errorCode(bad) == "invalid_subscription")
            let backwards = try await set([
                "type": "premium", "status": "active", "started_at": "2026-12-01T00:00:00Z",
                "ends_at": "2026-11-01T00:00:00Z",
            ])
            #expect(backwards.status == .badRequest)
            let premium = try await set([
                "type": "premium", "status": "active", "price": "49.00", "started_at": "2026-12-01T00:00:00Z",
                "ends_at": "2027-01-01T00:00:00Z",
            ])
            #expect(premium.status == .ok)
            let subscription = try #require(
                (DashboardFixture.object(premium)["business"] as? [String: Any])?["subscription"] as? [String: Any]
            )
            #expect(subscription["type"] as? String == "premium" && subscription["price"] as? String == "49")
            #expect(
                try await fixture.database.count(
                    """
                    SELECT count(*)::int FROM users WHERE slug = 'salon-rima' AND subscription_type = 'premium'
                      AND subscription_ends_at = '2027-01-01T00:00:00Z' AND subscription_price = 49
                    """
                ) == 1
            )
            // Audited: who, what it was, what it became, for which business.
            #expect(
                try await fixture.database.count(
                    """
                    SELECT count(*)::int FROM audit.audit_logs l JOIN users u ON u.id = l.business_id
                    WHERE u.slug = 'salon-rima' AND l.entity_type = 'subscription' AND l.actor_email = 'admin@talab.example'
                      AND l.before ->> 'type' = 'standard' AND l.after ->> 'type' = 'premium'
                    """
                ) == 1
            )
            // The list and the change are recorded; the two refused changes rolled back with their record,
            // having read and changed nothing.
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM audit.admin_requests WHERE email = 'admin@talab.example'"
                ) == 2
            )
            // The page shows every business; a business's owner gets a friendly refusal.
            let page = try await client.execute(uri: "/dashboard/admin", method: .get, headers: [.cookie: admin.cookie])
            #expect(page.status == .ok && String(buffer: page.body).contains("data-business=\"salon-rima\""))
            let ownerPage = try await client.execute(
                uri: "/dashboard/admin",
                method: .get,
                headers: [.cookie: owner.cookie]
            )
            #expect(ownerPage.status == .forbidden && String(buffer: ownerPage.body).contains("<html"))
        }
    }

    @Test func theAdminRoleChangesNothingButSubscriptionsAndLoginsAndItsLogIsAppendOnly() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        let admin = try await fixture.login("admin@talab.example", role: .admin, tenant: nil)
        _ = try await fixture.pendingOrder()
        let pool = fixture.database.pool
        let request = AdminRequest(account: admin, method: "GET", path: "/test", address: "127.0.0.1")
        func run(_ sql: String) async throws -> Int {
            try await pool.withAdmin(request) { connection in
                try await connection.query(PostgresStatement("test.admin", sql, prepared: false)).count
            }
        }
        // It reads every business's rows.
        #expect(try await run("SELECT 1 FROM orders") == 1)
        #expect(try await run("SELECT 1 FROM users WHERE user_type = 'business'") == 3)
        for statement in [
            "UPDATE orders SET status = 'cancelled'", "UPDATE users SET business_name = 'x'",
            "DELETE FROM order_status_history", "SELECT 1 FROM webhook_inbox",
            "INSERT INTO accounts (email, password_hash, role) VALUES ('a@b', 'x', 'admin')",
            "UPDATE audit.admin_requests SET path = '/nothing'", "DELETE FROM audit.admin_requests",
        ] {
            await #expect(throws: PostgresError.self, "\(statement)") { _ = try await run(statement) }
        }
        #expect(
            try await run("UPDATE users SET subscription_status = 'past_due' WHERE slug = 'salon-rima' RETURNING 1")
                == 1
        )
        let owner = try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        #expect(
            try await pool.withAdmin(request) { connection in
                try await PlatformAdmin.setDisabled(true, account: owner.id, request: request, on: connection)
            }
        )
        // Every one of those transactions recorded its request first (the failed ones rolled back with it).
        #expect(try await fixture.database.count("SELECT count(*)::int FROM audit.admin_requests") == 4)
    }

    @Test func anAdminDisablesALoginAndReadsUnroutableWebhooksAndReconcileRuns() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("admin@talab.example", role: .admin, tenant: nil)
        let owner = try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        _ = try await fixture.database.count(
            """
            WITH i AS (INSERT INTO webhook_unroutable (phone_number_id, payloads) VALUES ('109999999999', 3) RETURNING 1)
            SELECT count(*)::int FROM i
            """
        )
        try await fixture.application.test(.live) { client in
            let admin = try await DashboardFixture.session(client, "admin@talab.example")
            let ownerSession = try await DashboardFixture.session(client, "owner@salon-rima.example")
            let me = try await client.execute(
                uri: "/api/v1/admin/accounts",
                method: .get,
                headers: AdminTests.bearer(admin)
            )
            let accounts = try #require(DashboardFixture.object(me)["accounts"] as? [[String: Any]])
            #expect(accounts.count == 2)
            let adminID = try #require(accounts.first { $0["role"] as? String == "admin" }?["id"] as? String)
            let own = try await client.execute(
                uri: "/api/v1/admin/accounts/\(adminID)",
                method: .post,
                headers: AdminTests.bearer(admin),
                body: DashboardFixture.json(["disabled": true])
            )
            #expect(own.status == .conflict && DashboardFixture.errorCode(own) == "own_login")
            let disabled = try await client.execute(
                uri: "/api/v1/admin/accounts/\(owner.id.lowercasedText)",
                method: .post,
                headers: AdminTests.bearer(admin),
                body: DashboardFixture.json(["disabled": true])
            )
            #expect(disabled.status == .noContent)
            let after = try await client.execute(
                uri: "/api/v1/me",
                method: .get,
                headers: AdminTests.bearer(ownerSession)
            )
            #expect(after.status == .unauthorized)

            let unroutable = try await client.execute(
                uri: "/api/v1/admin/unroutable",
                method: .get,
                headers: AdminTests.bearer(admin)
            )
            let numbers = DashboardFixture.object(unroutable)["unroutable"] as? [[String: Any]]
            #expect(
                numbers?.first?["phone_number_id"] as? String == "109999999999"
                    && numbers?.first?["payloads"] as? Int == 3
            )

            // The example tenants' first apply: a run whose changes name their files and lines.
            let runs = try await client.execute(
                uri: "/api/v1/admin/runs",
                method: .get,
                headers: AdminTests.bearer(admin)
            )
            let run = try #require((DashboardFixture.object(runs)["runs"] as? [[String: Any]])?.first)
            #expect(run["outcome"] as? String == "applied" && (run["creates"] as? Int ?? 0) > 10)
            let detail = try await client.execute(
                uri: "/api/v1/admin/runs/\(run["id"] as? String ?? "")",
                method: .get,
                headers: AdminTests.bearer(admin)
            )
            let changes = try #require(DashboardFixture.object(detail)["changes"] as? [[String: Any]])
            #expect(changes.count == run["creates"] as? Int)
            #expect(
                changes.contains {
                    ($0["file"] as? String)?.hasPrefix("Tenants/salon-rima/") == true && $0["line"] is Int
                }
            )
            for path in ["/dashboard/admin/accounts", "/dashboard/admin/unroutable", "/dashboard/admin/runs"] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: admin.cookie])
                #expect(page.status == .ok, "\(path)")
            }
            let runPage = try await client.execute(
                uri: "/dashboard/admin/runs/\(run["id"] as? String ?? "")",
                method: .get,
                headers: [.cookie: admin.cookie]
            )
            #expect(runPage.status == .ok && String(buffer: runPage.body).contains("Tenants/salon-rima/"))
        }
    }
}
