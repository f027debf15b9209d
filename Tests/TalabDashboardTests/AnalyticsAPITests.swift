import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// Premium analytics over HTTP: gated by the plan on the server (402 both ways), periods checked,
/// today's orders counted at once, each report as JSON and as CSV (safe to open in a spreadsheet),
/// the page with its charts, and the admin's view of any business.
@Suite struct AnalyticsAPITests {
    static func bearer(_ session: DashboardFixture.Session) -> HTTPFields {
        [.authorization: "Bearer \(session.token)"]
    }

    static func plan(_ fixture: DashboardFixture, _ assignments: String) async throws {
        _ = try await fixture.database.count(
            "WITH m AS (UPDATE users SET \(assignments) WHERE slug = 'abu-salim-grill' RETURNING 1) SELECT count(*)::int FROM m"
        )
    }

    @Test func onlyAnActivePremiumBusinessGetsItsAnalytics() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        try await fixture.login("admin@talab.example", role: .admin, tenant: nil)
        try await fixture.application.test(.live) { client in
            let owner = try await DashboardFixture.session(client, "owner@abu-salim.example")
            func status(
                _ path: String,
                _ session: DashboardFixture.Session
            ) async throws -> (HTTPResponse.Status, String?) {
                let response = try await client.execute(
                    uri: path,
                    method: .get,
                    headers: AnalyticsAPITests.bearer(session)
                )
                return (response.status, DashboardFixture.errorCode(response))
            }
            #expect(try await status("/api/v1/analytics", owner) == (.init(code: 402), "premium_required"))
            #expect(
                try await status("/api/v1/analytics/items?format=csv", owner) == (.init(code: 402), "premium_required")
            )
            let page = try await client.execute(
                uri: "/dashboard/analytics?lang=en",
                method: .get,
                headers: [.cookie: owner.cookie]
            )
            #expect(page.status.code == 402 && String(buffer: page.body).contains("Analytics come with Premium"))

            try await AnalyticsAPITests.plan(fixture, "subscription_type = 'premium', subscription_status = 'active'")
            #expect(try await status("/api/v1/analytics", owner).0 == .ok)
            try await AnalyticsAPITests.plan(fixture, "subscription_status = 'past_due'")
            #expect(try await status("/api/v1/analytics", owner).0.code == 402)
            try await AnalyticsAPITests.plan(
                fixture,
                "subscription_status = 'active', subscription_ends_at = now() - interval '1 day'"
            )
            #expect(try await status("/api/v1/analytics", owner).0.code == 402)
            try await AnalyticsAPITests.plan(fixture, "subscription_ends_at = now() + interval '30 days'")
            #expect(try await status("/api/v1/analytics", owner).0 == .ok)

            let staff = try await DashboardFixture.session(client, "staff@abu-salim.example")
            #expect(try await status("/api/v1/analytics", staff).0 == .forbidden)
            // An admin sees any business, premium or not, and must say which.
            try await AnalyticsAPITests.plan(fixture, "subscription_type = 'standard'")
            let admin = try await DashboardFixture.session(client, "admin@talab.example")
            #expect(try await status("/api/v1/analytics?business=abu-salim-grill", admin).0 == .ok)
            // One report, one record of the admin's request (everything read in one transaction).
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM audit.admin_requests WHERE path LIKE '/api/v1/analytics%'"
                ) == 1
            )
            #expect(try await status("/api/v1/analytics", admin).0 == .notFound)
            #expect(try await status("/api/v1/analytics?business=salon-rima&period=7d", admin).0 == .ok)
        }
    }

    @Test func periodsAreCheckedAndTodaysOrdersCountAtOnceInJSONAndCSV() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        try await AnalyticsAPITests.plan(fixture, "subscription_type = 'premium', subscription_status = 'active'")
        let pool = fixture.database.pool
        let (store, placement, cart) = try await ExampleOrder.on(pool)
        try await pool.withTransaction { connection in
            var arrival = WhatsAppCustomers.Arrival(
                business: placement.businessID,
                userID: nil,
                waID: placement.customerPhone,
                sentAt: Date(),
                messageID: "wamid.\(UUID().uuidString)"
            )
            arrival.profileName = "=HYPERLINK(\"http://evil.example\")"
            _ = try await WhatsAppCustomers.receive(arrival, on: connection)
        }
        for _ in 0..<2 { _ = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 0) }
        _ = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 0)
        // What the conversations said that the board never shows (as the engine handler records it).
        try await pool.withTransaction { connection in
            for (kind, detail) in [
                (ConversationEvents.Kind.notUnderstood, "Pizza"), (.notUnderstood, "pizza "), (.notUnderstood, "PIZZA"),
                (.unavailable, "Hummus"), (.cart, nil), (.cart, nil), (.confirmed, nil),
            ] {
                try await ConversationEvents.record(
                    kind,
                    detail: detail,
                    business: placement.businessID,
                    branch: placement.branchID,
                    customer: placement.customerPhone ?? "",
                    on: connection
                )
            }
        }
        let total = try await pool.query(
            PostgresStatement(
                "test.total",
                "SELECT sum(total)::text AS t FROM orders WHERE status = 'completed'",
                prepared: false
            )
        )[0].decode(String.self, "t")

        try await fixture.application.test(.live) { client in
            let owner = try await DashboardFixture.session(client, "owner@abu-salim.example")
            for bad in [
                "period=31d", "from=2026-13-01&to=2026-12-01", "from=2026-12-05&to=2026-12-01",
                "from=2020-01-01&to=2026-01-01", "to=2026-12-01", "period=7d&from=2026-12-01&to=2026-12-05",
            ] {
                let response = try await client.execute(
                    uri: "/api/v1/analytics?\(bad)",
                    method: .get,
                    headers: AnalyticsAPITests.bearer(owner)
                )
                #expect(
                    response.status == .badRequest && DashboardFixture.errorCode(response) == "invalid_period",
                    "\(bad)"
                )
            }
            let all = try await client.execute(
                uri: "/api/v1/analytics?period=today",
                method: .get,
                headers: AnalyticsAPITests.bearer(owner)
            )
            #expect(all.status == .ok)
            let object = DashboardFixture.object(all)
            let summary = try #require(object["summary"] as? [[String: Any]])
            #expect(summary.first { $0["measure"] as? String == "orders" }?["value"] as? Int == 2)
            #expect(summary.first { $0["measure"] as? String == "revenue" }?["value"] as? String == total)
            #expect(summary.first { $0["measure"] as? String == "cancelled" }?["value"] as? Int == 1)
            let items = try #require(object["items"] as? [[String: Any]])
            #expect(items.first { $0["name"] as? String == "Chicken Shawarma" }?["quantity"] as? Int == 4)
            #expect(
                (items.first { $0["name"] as? String == "Chicken Shawarma" }?["options"] as? String)?.contains(
                    "Large ×4"
                ) == true
            )

            let csv = try await client.execute(
                uri: "/api/v1/analytics/spenders?format=csv&period=7d",
                method: .get,
                headers: AnalyticsAPITests.bearer(owner)
            )
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[.contentDisposition]?.contains("abu-salim-grill-spenders-") == true)
            let lines = String(buffer: csv.body).split(separator: "\r\n")
            #expect(lines.first == "customer,name,orders,spent,last_order")
            // A name that a spreadsheet would run as a formula is kept as text.
            #expect(lines.dropFirst().first?.contains(#""'=HYPERLINK(""http://evil.example"")""#) == true)
            let demand = try await client.execute(
                uri: "/api/v1/analytics/demand?period=today",
                method: .get,
                headers: AnalyticsAPITests.bearer(owner)
            )
            let asked = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: demand.body)) as? [[String: Any]]
            )
            #expect(asked.contains { $0["text"] as? String == "pizza" && $0["count"] as? Int == 3 }, "\(asked)")
            #expect(asked.contains { $0["kind"] as? String == "unavailable" && $0["text"] as? String == "hummus" })
            let funnel = try await client.execute(
                uri: "/api/v1/analytics/conversations?period=today",
                method: .get,
                headers: AnalyticsAPITests.bearer(owner)
            )
            let steps = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: funnel.body)) as? [[String: Any]]
            )
            #expect(steps.first { $0["step"] as? String == "carts_begun" }?["count"] as? Int == 2)
            #expect(steps.first { $0["step"] as? String == "orders_completed" }?["count"] as? Int == 2)
            let unknown = try await client.execute(
                uri: "/api/v1/analytics/everything",
                method: .get,
                headers: AnalyticsAPITests.bearer(owner)
            )
            #expect(unknown.status == .notFound)

            // The page: charts as SVG, mirrored in Arabic; the CSV links work with the cookie.
            for language in ["en", "ar"] {
                let page = try await client.execute(
                    uri: "/dashboard/analytics?period=30d&lang=\(language)",
                    method: .get,
                    headers: [.cookie: owner.cookie]
                )
                let html = String(buffer: page.body)
                #expect(
                    page.status == .ok && html.components(separatedBy: "<svg class=\"chart").count - 1 == 6,
                    "\(language)"
                )
                #expect(html.contains("dir=\"\(language == "ar" ? "rtl" : "ltr")\""))
            }
            let download = try await client.execute(
                uri: "/dashboard/analytics/items.csv?period=30d",
                method: .get,
                headers: [.cookie: owner.cookie]
            )
            #expect(download.status == .ok && String(buffer: download.body).hasPrefix("item_id,name,quantity"))
        }
    }
}
