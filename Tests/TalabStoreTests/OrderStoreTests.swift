import Foundation
import TalabConfig
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// Orders placed from a cart the parser read, on a database with the example tenants applied.
@Suite struct OrderStoreTests {
    @Test func aConfirmationPlacesOneOrderWithItsLinesOptionsAndHistoryEvenWhenRepeated() async throws {
        let (fixture, store, placement, cart) = try await ExampleOrder.setUp()
        defer { fixture.pool.close() }
        #expect(cart.lines.count == 2 && cart.lines[0].options.count == 2)
        // A double tap: two confirmations at once with the same key.
        async let first = store.place(cart, placement)
        async let second = store.place(cart, placement)
        let results = try await [first, second]
        #expect(results[0].id == results[1].id)
        #expect(results.filter(\.created).count == 1)
        #expect(try await store.place(cart, placement) == (results[0].id, false))

        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM order_items") == 2)
        #expect(try await fixture.count("SELECT count(*)::int FROM order_item_options") == 2)
        #expect(try await fixture.count("SELECT count(*)::int FROM order_status_history WHERE status = 'pending'") == 1)
        let totals = try await fixture.pool.query(
            PostgresStatement("test.totals", "SELECT subtotal::text, total::text, language_used::text FROM orders")
        )[0]
        #expect(try totals.decode(String.self, at: 0) == "\(cart.subtotal.amount)")
        #expect(try totals.decode(String.self, at: 1) == "\(cart.subtotal.amount + 1)")
        #expect(try totals.decode(String.self, at: 2) == "arabizi")
    }

    @Test func theLifecycleMovesForwardOrCancelsAndRefusesEverythingElse() async throws {
        var (fixture, store, placement, cart) = try await ExampleOrder.setUp()
        defer { fixture.pool.close() }
        // An order for later shows its time in the list, in the business's own zone (Beirut, UTC+2).
        placement.scheduledFor = Date(timeIntervalSince1970: 1_796_234_400)
        let order = try await store.place(cart, placement).id
        await #expect(throws: OrderStore.OrderError.self) { try await store.move(order, to: .ready, by: .business) }
        for status in [OrderStatus.accepted, .preparing, .ready, .completed] {
            #expect(try await store.move(order, to: status, by: .business) == status)
        }
        await #expect(throws: OrderStore.OrderError.self) { try await store.move(order, to: .cancelled, by: .customer) }
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM orders WHERE status = 'completed' AND completed_at IS NOT NULL"
            ) == 1
        )
        #expect(try await fixture.count("SELECT count(*)::int FROM order_status_history") == 5)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM order_status_history WHERE changed_by = 'business'") == 4
        )
    }

    @Test func anItemTheCatalogNoLongerHasPlacesNothing() async throws {
        let (fixture, store, placement, cart) = try await ExampleOrder.setUp()
        defer { fixture.pool.close() }
        var stale = cart
        stale.add(Cart.Line(itemKey: "discontinued-wrap", name: "Old wrap", unitPrice: 3, quantity: 1))
        let error = await #expect(throws: OrderStore.OrderError.self) { try await store.place(stale, placement) }
        #expect(error?.code == .unknownItem)
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM order_items") == 0)
    }
}
