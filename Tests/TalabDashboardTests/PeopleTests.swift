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

/// The customers a business has (live and archived orders alike, checked against the database
/// computed another way), one customer's page, the order page's "orders before this one", and a
/// court's day of bookings in its time zone.
@Suite struct PeopleTests {
    static func bearer(_ session: DashboardFixture.Session) -> HTTPFields {
        [.authorization: "Bearer \(session.token)"]
    }

    /// Says a customer wrote to the business (what the webhook does first), with a profile name.
    static func wrote(_ pool: PostgresPool, business: UUID, phone: String, name: String, at: Date) async throws {
        try await pool.withTransaction { connection in
            var arrival = WhatsAppCustomers.Arrival(
                business: business,
                userID: nil,
                waID: phone,
                sentAt: at,
                messageID: "wamid.\(UUID().uuidString)"
            )
            arrival.profileName = name
            _ = try await WhatsAppCustomers.receive(arrival, on: connection)
        }
    }

    @Test func theCustomersListCountsLiveAndArchivedOrdersAndStaysInItsBusiness() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        let pool = fixture.database.pool
        try await fixture.login("manager@abu-salim.example", role: .manager, tenant: "abu-salim-grill")
        try await fixture.login("staff@abu-salim.example", role: .staff, tenant: "abu-salim-grill")
        try await fixture.login("owner@salon-rima.example", role: .owner, tenant: "salon-rima")
        let (store, placement, cart) = try await ExampleOrder.on(pool)
        // Rami: two completed orders (one archived a day later), one cancelled, one pending. Maya: one.
        try await PeopleTests.wrote(
            pool,
            business: placement.businessID,
            phone: "96170000123",
            name: "Rami",
            at: Date()
        )
        _ = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 30)
        _ = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 2)
        _ = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 1)
        var pending = placement
        pending.confirmationKey = "wamid.\(UUID().uuidString)"
        let latest = try await store.place(cart, pending).id
        var maya = placement
        maya.customerPhone = "96171999888"
        maya.confirmationKey = "wamid.\(UUID().uuidString)"
        try await PeopleTests.wrote(
            pool,
            business: placement.businessID,
            phone: "96171999888",
            name: "Maya",
            at: Date().addingTimeInterval(-3600)
        )
        _ = try await store.place(cart, maya)
        let archived = try await OrderArchiver(pool: pool, store: PostgresLogStore(pool: pool)).archiveAll()
        #expect(archived.archived == 1)
        // What Rami spent, computed apart: the live rows plus the archived documents, cancelled left out.
        let expected = try await pool.query(
            PostgresStatement(
                "test.spent",
                """
                SELECT (coalesce((SELECT sum(total) FROM orders WHERE customer_phone_number = '96170000123' AND status <> 'cancelled'), 0)
                      + coalesce((SELECT sum((body #>> '{order,total}')::numeric) FROM history.order_logs
                                  WHERE body #>> '{customer,phone_number}' = '96170000123'
                                    AND body #>> '{order,status}' <> 'cancelled'), 0))::text AS spent
                """,
                prepared: false
            )
        )[0].decode(String.self, "spent")

        try await fixture.application.test(.live) { client in
            let manager = try await DashboardFixture.session(client, "manager@abu-salim.example")
            let list = try await client.execute(
                uri: "/api/v1/customers",
                method: .get,
                headers: PeopleTests.bearer(manager)
            )
            #expect(list.status == .ok)
            let customers = try #require(DashboardFixture.object(list)["customers"] as? [[String: Any]])
            #expect(customers.map { $0["name"] as? String } == ["Rami", "Maya"])
            let rami = try #require(customers.first)
            #expect(rami["orders"] as? Int == 4 && rami["cancelled_orders"] as? Int == 1)
            #expect(rami["spent"] as? String == expected && expected != "0")
            #expect(customers.last?["orders"] as? Int == 1)
            // Search by digits or name.
            let found = try await client.execute(
                uri: "/api/v1/customers?q=999",
                method: .get,
                headers: PeopleTests.bearer(manager)
            )
            #expect(
                (DashboardFixture.object(found)["customers"] as? [[String: Any]])?.map { $0["name"] as? String } == [
                    "Maya"
                ]
            )

            // One customer: every order, the archived one too, newest first.
            let id = try #require(rami["id"] as? String)
            let one = try await client.execute(
                uri: "/api/v1/customers/\(id)",
                method: .get,
                headers: PeopleTests.bearer(manager)
            )
            let orders = try #require(DashboardFixture.object(one)["orders"] as? [[String: Any]])
            #expect(orders.count == 4)
            #expect((orders.first?["order"] as? [String: Any])?["id"] as? String == latest.lowercasedText)
            #expect(orders.contains { $0["archived_at"] is String })

            // The page says the same, and the order page shows the orders before it.
            let page = try await client.execute(
                uri: "/dashboard/customers",
                method: .get,
                headers: [.cookie: manager.cookie]
            )
            #expect(page.status == .ok && String(buffer: page.body).contains("Rami"))
            let order = try await client.execute(
                uri: "/dashboard/orders/\(latest)?lang=en",
                method: .get,
                headers: [.cookie: manager.cookie]
            )
            let html = String(buffer: order.body)
            #expect(html.contains("Orders before this one") && html.contains("href=\"/dashboard/customers/\(id)\""))
            #expect(html.components(separatedBy: "<tr class=\"status-").count - 1 == 3)

            // Staff see no customers list; another business sees none of these customers.
            let staff = try await DashboardFixture.session(client, "staff@abu-salim.example")
            #expect(
                try await client.execute(uri: "/api/v1/customers", method: .get, headers: PeopleTests.bearer(staff))
                    .status
                    == .forbidden
            )
            let salon = try await DashboardFixture.session(client, "owner@salon-rima.example")
            let theirs = try await client.execute(
                uri: "/api/v1/customers",
                method: .get,
                headers: PeopleTests.bearer(salon)
            )
            #expect((DashboardFixture.object(theirs)["customers"] as? [Any])?.isEmpty == true)
            let foreign = try await client.execute(
                uri: "/api/v1/customers/\(id)",
                method: .get,
                headers: PeopleTests.bearer(salon)
            )
            #expect(foreign.status == .notFound)
        }
    }

    @Test func aCourtSeesItsDayOfBookingsInItsOwnTimeZone() async throws {
        let fixture = try await DashboardFixture.make()
        defer { fixture.close() }
        let pool = fixture.database.pool
        try await fixture.login("desk@padel.example", role: .staff, tenant: "padel-beirut")
        try await fixture.login("owner@abu-salim.example", role: .owner, tenant: "abu-salim-grill")
        let ids = try await pool.query(
            PostgresStatement(
                "test.dbayeh",
                "SELECT business_id, id FROM branches WHERE key = 'dbayeh'",
                prepared: false
            )
        )[0]
        let business = try ids.decode(UUID.self, "business_id")
        let branch = try ids.decode(UUID.self, "id")
        let store = OrderStore(pool: pool)
        // 23:30 on the 10th in Beirut is the 10th there but 21:30 UTC; 00:30 on the 11th is the 11th there.
        var booked: [String: UUID] = [:]
        for (label, time) in [
            ("late", "2026-12-10 23:30"), ("early", "2026-12-10 09:00"), ("next", "2026-12-11 00:30"),
        ] {
            var cart = Cart(currency: "USD")
            cart.add(Cart.Line(itemKey: "football-60", name: "Football", unitPrice: 60, quantity: 1))
            let start = beirutTime(time)
            var placement = OrderStore.Placement(
                businessID: business,
                branchID: branch,
                deliveryType: .onSite,
                confirmationKey: "wamid.\(UUID().uuidString)",
                customerPhone: "96170111222"
            )
            placement.scheduledFor = start
            placement.bookings = [.init(itemKey: "football-60", start: start, end: start.addingTimeInterval(3600))]
            booked[label] = try await store.place(cart, placement).id
        }
        let expected = [booked["early"], booked["late"]].map { $0?.lowercasedText }
        let nextID = booked["next"]?.lowercasedText
        try await fixture.application.test(.live) { client in
            let desk = try await DashboardFixture.session(client, "desk@padel.example")
            let day = try await client.execute(
                uri: "/api/v1/bookings?date=2026-12-10",
                method: .get,
                headers: PeopleTests.bearer(desk)
            )
            #expect(day.status == .ok)
            let object = DashboardFixture.object(day)
            #expect(object["time_zone"] as? String == "Asia/Beirut")
            let bookings = try #require(object["bookings"] as? [[String: Any]])
            #expect(bookings.map { $0["order_id"] as? String } == expected)
            #expect(bookings.first?["service"] as? String != nil && bookings.first?["branch"] as? String != nil)
            let next = try await client.execute(
                uri: "/api/v1/bookings?date=2026-12-11",
                method: .get,
                headers: PeopleTests.bearer(desk)
            )
            // The late game runs past midnight: it is on the next day's list too.
            #expect(
                (DashboardFixture.object(next)["bookings"] as? [[String: Any]])?.map { $0["order_id"] as? String }
                    == [expected[1], nextID]
            )
            for bad in ["2026-02-30", "tomorrow", "2026-12-10T00:00"] {
                let refused = try await client.execute(
                    uri: "/api/v1/bookings?date=\(bad)",
                    method: .get,
                    headers: PeopleTests.bearer(desk)
                )
                #expect(refused.status == .badRequest && DashboardFixture.errorCode(refused) == "bad_request", "\(bad)")
            }
            let page = try await client.execute(
                uri: "/dashboard/bookings?date=2026-12-10&lang=en",
                method: .get,
                headers: [.cookie: desk.cookie]
            )
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("09:00–10:00") && html.contains("23:30–00:30"))
            #expect(html.contains("href=\"/dashboard/bookings?date=2026-12-09\"") && html.contains("date=2026-12-11"))
            // A restaurant has none of the court's bookings, and no bookings link either.
            let restaurant = try await DashboardFixture.session(client, "owner@abu-salim.example")
            let theirs = try await client.execute(
                uri: "/api/v1/bookings?date=2026-12-10",
                method: .get,
                headers: PeopleTests.bearer(restaurant)
            )
            #expect((DashboardFixture.object(theirs)["bookings"] as? [Any])?.isEmpty == true)
            let board = try await client.execute(
                uri: "/dashboard/board",
                method: .get,
                headers: [.cookie: restaurant.cookie]
            )
            #expect(!String(buffer: board.body).contains("/dashboard/bookings"))
            #expect(html.contains("href=\"/dashboard/bookings\""))
        }
    }
}
