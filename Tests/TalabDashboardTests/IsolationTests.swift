import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// A business sees and changes its own rows only, because PostgreSQL says so: through every API
/// route (another business's order is a 404, as if it did not exist), and through a raw query on
/// the dashboard's role whose `WHERE` forgot the business.
@Suite struct IsolationTests {
    @Test func theBoardShowsTheBusinessItsOrdersAndMovesThemWithANoticeToTheCustomer() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill", branch: "hamra")
        let order = try await fixture.pendingOrder()
        try await fixture.application.test(.live) { client in
            let session = try await DashboardFixture.session(client, "staff@abu-salim.example")
            let board = try await client.execute(
                uri: "/api/v1/orders",
                method: .get,
                headers: [.cookie: session.cookie]
            )
            #expect(board.status == .ok)
            let orders = try #require(DashboardFixture.object(board)["orders"] as? [[String: Any]])
            #expect(orders.count == 1)
            let ticket = try #require(orders.first)
            #expect((ticket["order"] as? [String: Any])?["id"] as? String == order.lowercasedText)
            let lines = try #require(ticket["items"] as? [[String: Any]])
            #expect(lines.map { $0["name"] as? String } == ["Chicken Shawarma", "Fattoush"])

            let accepted = try await client.execute(
                uri: "/api/v1/orders/\(order)/status",
                method: .post,
                headers: [.cookie: session.cookie, HTTPField.Name("X-CSRF-Token")!: session.csrf],
                body: DashboardFixture.json(["status": "accepted", "preparation_minutes": 20])
            )
            #expect(accepted.status == .ok)
            let document = DashboardFixture.object(accepted)
            #expect((document["order"] as? [String: Any])?["status"] as? String == "accepted")
            #expect((document["order"] as? [String: Any])?["ready_by"] is String)
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM order_status_history WHERE order_id = '\(order)' AND status = 'accepted' AND changed_by = 'business'"
                ) == 1
            )
            // The customer's notice is queued for the sender, with the minutes the kitchen quoted (in the
            // language the order was placed in: Arabizi here).
            #expect(try await fixture.database.count("SELECT count(*)::int FROM outbound_messages") == 1)
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM outbound_messages WHERE body::text LIKE '% 20 %'"
                ) == 1
            )

            // A move the lifecycle refuses is a 409 with its code, and changes nothing.
            let backwards = try await client.execute(
                uri: "/api/v1/orders/\(order)/status",
                method: .post,
                headers: [.authorization: "Bearer \(session.token)"],
                body: DashboardFixture.json(["status": "pending"])
            )
            #expect(backwards.status == .badRequest)
            let skipped = try await client.execute(
                uri: "/api/v1/orders/\(order)/status",
                method: .post,
                headers: [.authorization: "Bearer \(session.token)"],
                body: DashboardFixture.json(["status": "completed"])
            )
            #expect(skipped.status == .conflict && DashboardFixture.errorCode(skipped) == "illegal_transition")

            // Rejected with a reason: the customer is told why.
            let second = try await fixture.pendingOrder()
            let rejected = try await client.execute(
                uri: "/api/v1/orders/\(second)/status",
                method: .post,
                headers: [.authorization: "Bearer \(session.token)"],
                body: DashboardFixture.json(["status": "cancelled", "reason": "We ran out of bread"])
            )
            #expect(rejected.status == .ok)
            #expect(
                try await fixture.database.count(
                    "SELECT count(*)::int FROM outbound_messages WHERE body::text LIKE '%: We ran out of bread%'"
                ) == 1
            )
        }
    }

    @Test func anotherBusinessesOrderIsNotFoundThroughEveryRoute() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        try await fixture.login("admin@talab.example", role: .admin, tenant: nil)
        let order = try await fixture.pendingOrder()
        try await fixture.application.test(.live) { client in
            let salon = try await DashboardFixture.session(client, "owner@salon-rima.example")
            let headers: HTTPFields = [.authorization: "Bearer \(salon.token)"]
            let board = try await client.execute(uri: "/api/v1/orders", method: .get, headers: headers)
            #expect((DashboardFixture.object(board)["orders"] as? [Any])?.isEmpty == true)
            let read = try await client.execute(uri: "/api/v1/orders/\(order)", method: .get, headers: headers)
            let never = try await client.execute(uri: "/api/v1/orders/\(UUID())", method: .get, headers: headers)
            #expect(read.status == .notFound && never.status == .notFound)
            #expect(Data(buffer: read.body).count == Data(buffer: never.body).count)
            for status in ["accepted", "cancelled"] {
                let move = try await client.execute(
                    uri: "/api/v1/orders/\(order)/status",
                    method: .post,
                    headers: headers,
                    body: DashboardFixture.json(["status": status])
                )
                #expect(move.status == .notFound && DashboardFixture.errorCode(move) == "not_found")
            }
            #expect(try await fixture.database.count("SELECT count(*)::int FROM orders WHERE status = 'pending'") == 1)
            #expect(try await fixture.database.count("SELECT count(*)::int FROM outbound_messages") == 0)
            // A platform admin has no business board.
            let admin = try await DashboardFixture.session(client, "admin@talab.example")
            let adminBoard = try await client.execute(
                uri: "/api/v1/orders",
                method: .get,
                headers: [.authorization: "Bearer \(admin.token)"]
            )
            #expect(adminBoard.status == .forbidden)
        }
    }

    @Test func aQueryThatForgetsTheBusinessStillSeesOnlyItsOwnRows() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        let order = try await fixture.pendingOrder()
        let pool = fixture.database.pool
        let businesses = try await BusinessDirectory.businesses(pool)
        let salon = try #require(businesses.first { $0.slug == "salon-rima" })
        let restaurant = try #require(businesses.first { $0.slug == "abu-salim-grill" })
        func count(_ business: UUID, _ sql: String) async throws -> Int {
            try await pool.withBusiness(business) { connection in
                try await connection.query(PostgresStatement("test.scoped", sql, prepared: false))[0]
                    .decode(Int.self, at: 0)
            }
        }
        // Every table a business's rows live in: the salon sees none of the restaurant's.
        for table in [
            "orders", "order_items", "order_item_options", "order_status_history", "items", "item_options",
            "branches", "menus", "whatsapp_customers", "users", "locations",
        ] {
            let theirs = try await count(salon.id, "SELECT count(*)::int FROM \(table) WHERE true")
            let all = try await fixture.database.count("SELECT count(*)::int FROM \(table)")
            let own = try await count(restaurant.id, "SELECT count(*)::int FROM \(table)")
            #expect(theirs + own <= all, "\(table)")
            if ["orders", "order_items", "order_status_history"].contains(table) {
                #expect(theirs == 0 && own > 0, "\(table)")
            }
        }
        #expect(try await count(salon.id, "SELECT count(*)::int FROM orders WHERE id = '\(order)'") == 0)
        // Writes under the wrong business change nothing, and cannot move a row to another business.
        let changed = try await pool.withBusiness(salon.id) { connection in
            try await connection.query(
                PostgresStatement(
                    "test.update",
                    "UPDATE orders SET status = 'cancelled' WHERE id = '\(order)' RETURNING id",
                    prepared: false
                )
            ).count
        }
        #expect(changed == 0)
        await #expect(throws: PostgresError.self) {
            try await pool.withBusiness(restaurant.id) { connection in
                try await connection.query(
                    PostgresStatement(
                        "test.steal",
                        "UPDATE orders SET business_id = '\(salon.id)' WHERE id = '\(order)'",
                        prepared: false
                    )
                )
            }
        }
        // Without a business set, nothing at all; tables of the platform are not readable.
        #expect(
            try await pool.withTransaction { connection in
                try await connection.executeScript("SET LOCAL ROLE talab_dashboard", name: "test.role")
                return try await connection.query(
                    PostgresStatement("test.none", "SELECT count(*)::int FROM orders", prepared: false)
                )[0].decode(Int.self, at: 0)
            } == 0
        )
        await #expect(throws: PostgresError.self) {
            try await pool.withBusiness(restaurant.id) { connection in
                try await connection.query(
                    PostgresStatement("test.inbox", "SELECT count(*) FROM webhook_inbox", prepared: false)
                )
            }
        }
    }
}

/// What a customer writes reaches the board as text, never as markup.
@Suite struct BoardPageTests {
    @Test func aCustomersNoteIsEscapedOnTheBoard() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        let (store, placement, cart) = try await ExampleOrder.on(fixture.database.pool)
        var hostile = placement
        hostile.notes = #"<script>alert("x")</script> & 'extra' garlic"#
        _ = try await store.place(cart, hostile)
        try await fixture.application.test(.live) { client in
            let session = try await DashboardFixture.session(client, "staff@abu-salim.example")
            let page = try await client.execute(
                uri: "/dashboard/board/columns",
                method: .get,
                headers: [.cookie: session.cookie]
            )
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("data-column=\"new\""))
            #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;extra&#39; garlic"))
            #expect(!html.contains("<script>"))
            #expect(html.contains("Chicken Shawarma") && html.contains("Large, No garlic"))
        }
    }
}
