import Foundation
import TalabConfig
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// Orders placed from a cart the parser read, on a database with the example tenants applied.
@Suite struct OrderStoreTests {
    static let restaurant = try! TenantLoader().load(
        from: WorktreeSource(root: ExampleCatalog.projectFolder),
        only: ["abu-salim-grill"]
    ).tenants[0]

    static func setUp() async throws -> (ServerFixture, OrderStore, OrderStore.Placement, Cart) {
        let fixture = try await ServerFixture.make()
        let ids = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.hamra",
                "SELECT business_id, id FROM branches WHERE key = 'hamra'"
            )
        )[0]
        var cart = Cart(currency: restaurant.business.currency)
        for line in OrderParser(menus: restaurant.menus).parse("2 chicken shawarma large bala toum w 1 fattoush").lines
        {
            cart.add(line)
        }
        var placement = OrderStore.Placement(
            businessID: try ids.decode(UUID.self, "business_id"),
            branchID: try ids.decode(UUID.self, "id"),
            deliveryType: .delivery,
            confirmationKey: "wamid.CONFIRM.1",
            customerPhone: "96170000123"
        )
        placement.deliveryFee = Decimal(string: "1.00")!
        placement.language = .arabizi
        return (fixture, OrderStore(pool: fixture.parts.pool), placement, cart)
    }

    @Test func aConfirmationPlacesOneOrderWithItsLinesOptionsAndHistoryEvenWhenRepeated() async throws {
        let (fixture, store, placement, cart) = try await OrderStoreTests.setUp()
        defer { fixture.parts.pool.close() }
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
        let totals = try await fixture.parts.pool.query(
            PostgresStatement("test.totals", "SELECT subtotal::text, total::text, language_used::text FROM orders")
        )[0]
        #expect(try totals.decode(String.self, at: 0) == "\(cart.subtotal.amount)")
        #expect(try totals.decode(String.self, at: 1) == "\(cart.subtotal.amount + 1)")
        #expect(try totals.decode(String.self, at: 2) == "arabizi")
    }

    @Test func theLifecycleMovesForwardOrCancelsAndRefusesEverythingElse() async throws {
        var (fixture, store, placement, cart) = try await OrderStoreTests.setUp()
        defer { fixture.parts.pool.close() }
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
        let (fixture, store, placement, cart) = try await OrderStoreTests.setUp()
        defer { fixture.parts.pool.close() }
        var stale = cart
        stale.add(Cart.Line(itemKey: "discontinued-wrap", name: "Old wrap", unitPrice: 3, quantity: 1))
        let error = await #expect(throws: OrderStore.OrderError.self) { try await store.place(stale, placement) }
        #expect(error?.code == .unknownItem)
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM order_items") == 0)
    }
}

/// `talab orders` on a placed order, through the binary.
@Suite struct OrdersCommandTests {
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: ServeCommandTests.binary.path), "build talab first")
    )
    func aBusinessListsShowsAdvancesAndCancelsFromTheTerminal() async throws {
        var (fixture, store, placement, cart) = try await OrderStoreTests.setUp()
        defer { fixture.parts.pool.close() }
        // An order for later shows its time in the list, in the business's own zone (Beirut, UTC+2).
        placement.scheduledFor = Date(timeIntervalSince1970: 1_796_234_400)
        let order = try await store.place(cart, placement).id
        let short = String(order.lowercasedText.prefix(8))
        func talab(_ arguments: String...) async throws -> Subprocess.Outcome {
            try await Subprocess.run(
                ServeCommandTests.binary.path,
                ["orders"] + arguments + ["--database-url", fixture.url.unredacted]
            )
        }
        let list = try await talab("list", "--tenant", "abu-salim-grill")
        #expect(list.status == 0 && list.output.contains(short) && list.output.contains("pending"), "\(list.output)")
        #expect(list.output.contains("for 2026-12-02T20:00:00+02:00"), "\(list.output)")
        let show = try await talab("show", short)
        #expect(show.output.contains("2 × Chicken Shawarma (Large +1.50, No garlic)"), "\(show.output)")
        #expect(try await talab("advance", short).output.contains("is now accepted"))
        #expect(try await talab("advance", short, "--to", "preparing").output.contains("is now preparing"))
        let illegal = try await talab("advance", short, "--to", "pending")
        #expect(illegal.status == 1 && illegal.output.contains("cannot go from preparing to pending"))
        #expect(try await talab("cancel", short).output.contains("is cancelled"))
        #expect(try await talab("advance", short).status != 0)
        #expect(try await talab("show", "zzzz").output.contains("is not an order id"))
    }
}
