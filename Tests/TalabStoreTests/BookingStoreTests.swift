import Foundation
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// Bookings placed through `OrderStore` against the capacity trigger of 0009, on the example court.
@Suite struct BookingStoreTests {
    static func setUp() async throws -> (CatalogDatabase, OrderStore, UUID, UUID) {
        let fixture = try await CatalogDatabase.make()
        let ids = try await fixture.pool.query(
            PostgresStatement("test.dbayeh", "SELECT business_id, id FROM branches WHERE key = 'dbayeh'")
        )[0]
        return (
            fixture, OrderStore(pool: fixture.pool), try ids.decode(UUID.self, "business_id"),
            try ids.decode(UUID.self, "id")
        )
    }

    static func beirut(_ text: String) -> Date { beirutTime(text) }

    static func booking(
        _ item: String,
        price: Decimal,
        at start: Date,
        minutes: Int,
        key: String,
        business: UUID,
        branch: UUID
    ) -> (Cart, OrderStore.Placement) {
        var cart = Cart(currency: "USD")
        cart.add(Cart.Line(itemKey: item, name: item, unitPrice: price, quantity: 1))
        var placement = OrderStore.Placement(
            businessID: business,
            branchID: branch,
            deliveryType: .onSite,
            confirmationKey: key,
            customerPhone: "9617000\(key.suffix(4))"
        )
        placement.scheduledFor = start
        placement.bookings = [
            .init(itemKey: item, start: start, end: start.addingTimeInterval(TimeInterval(minutes * 60)))
        ]
        return (cart, placement)
    }

    @Test func twoCustomersRacingForTheLastPlaceGetOneBookingAndOneRefusal() async throws {
        let (fixture, store, business, branch) = try await BookingStoreTests.setUp()
        defer { fixture.pool.close() }
        // Football has one pitch: each round, two confirmations of the same hour at once.
        for round in 0..<8 {
            let start = BookingStoreTests.beirut("2026-12-0\(round + 1) 20:00")
            let attempts = (0..<2).map { customer in
                BookingStoreTests.booking(
                    "football-60",
                    price: 60,
                    at: start,
                    minutes: 60,
                    key: "wamid.R\(round)C\(customer)xx\(round)\(customer)00",
                    business: business,
                    branch: branch
                )
            }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for (cart, placement) in attempts {
                    group.addTask {
                        do {
                            _ = try await store.place(cart, placement)
                            return "booked"
                        } catch let error as OrderStore.OrderError {
                            return error.code.value
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.sorted() == ["booked", "slot_full"], "round \(round): \(outcomes)")
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM bookings") == 8)
        // A refused booking leaves no order behind.
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 8)
    }

    @Test func overlappingBookingsCountPlacesAtEachMomentAndACancellationFreesItsPlace() async throws {
        let (fixture, store, business, branch) = try await BookingStoreTests.setUp()
        defer { fixture.pool.close() }
        let eight = BookingStoreTests.beirut("2026-12-04 20:00")
        func place(_ item: String, _ start: Date, _ minutes: Int, _ key: String) async throws -> UUID {
            let (cart, placement) = BookingStoreTests.booking(
                item,
                price: 40,
                at: start,
                minutes: minutes,
                key: key,
                business: business,
                branch: branch
            )
            return try await store.place(cart, placement).id
        }
        // Three padel courts: 19:00–20:00, 20:00–21:00 twice, then 20:30 finds two taken at every
        // moment up to 21:00 and one after: a third place exists.
        _ = try await place("padel-60", eight.addingTimeInterval(-3600), 60, "wamid.P1xxxx0001")
        let second = try await place("padel-60", eight, 60, "wamid.P2xxxx0002")
        _ = try await place("padel-60", eight, 60, "wamid.P3xxxx0003")
        _ = try await place("padel-60", eight.addingTimeInterval(1800), 60, "wamid.P4xxxx0004")
        await #expect(throws: OrderStore.OrderError.self) {
            _ = try await place("padel-60", eight.addingTimeInterval(1800), 60, "wamid.P5xxxx0005")
        }
        // The 90-minute court is its own service with its own three places.
        _ = try await place("padel-90", eight, 90, "wamid.P6xxxx0006")
        try await store.move(second, to: .cancelled, by: .customer)
        _ = try await place("padel-60", eight.addingTimeInterval(1800), 60, "wamid.P7xxxx0007")
        #expect(try await fixture.count("SELECT count(*)::int FROM bookings") == 6)
        // Even a direct insert cannot overbook: the database refuses it, not only the runtime.
        await #expect(throws: PostgresError.self) {
            try await fixture.pool.query(
                PostgresStatement(
                    "test.overbook",
                    """
                    INSERT INTO bookings (order_id, business_id, branch_id, item_id, during)
                    SELECT b.order_id, b.business_id, b.branch_id, b.item_id, b.during FROM bookings b
                    JOIN items i ON i.id = b.item_id WHERE i.key = 'padel-60' AND lower(b.during) = $1
                    LIMIT 1
                    """
                ),
                [eight.addingTimeInterval(1800)]
            )
        }
    }

    @Test func aTypedOrSharedDeliveryAddressBecomesTheOrdersLocationRow() async throws {
        let (fixture, store, placement, cart) = try await ExampleOrder.setUp()
        defer { fixture.pool.close() }
        var typed = placement
        typed.address = DeliveryAddress(text: "Hamra, Bliss street, bineyet Khoury, 3rd floor")
        _ = try await store.place(cart, typed)
        var shared = placement
        shared.confirmationKey = "wamid.CONFIRM.2"
        shared.address = DeliveryAddress(latitude: 33.904012345678, longitude: 35.4850)
        _ = try await store.place(cart, shared)
        let rows = try await fixture.pool.query(
            PostgresStatement(
                "test.addresses",
                """
                SELECT l.notes, l.latitude::text AS latitude, l.business_id FROM orders o
                JOIN locations l ON l.id = o.delivery_address_location_id ORDER BY o.created_at
                """
            )
        )
        #expect(rows.count == 2)
        #expect(try rows[0].decode(String?.self, "notes") == "Hamra, Bliss street, bineyet Khoury, 3rd floor")
        #expect(try rows[1].decode(String?.self, "latitude") == "33.90401235")
        #expect(try rows[1].decode(UUID?.self, "business_id") == nil)
    }
}
