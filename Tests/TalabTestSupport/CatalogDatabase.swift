public import Foundation
import TalabConfig
public import TalabCore
import TalabReconciler
public import TalabStore

/// A migrated database with the example tenants applied, and a pool on it: what store-level tests
/// stand on.
public struct CatalogDatabase: Sendable {
    public let url: DatabaseURL
    public let pool: PostgresPool

    /// The master key the example tokens are sealed under in tests.
    public static let sealer = try! SecretSealer(base64Key: Data(repeating: 3, count: 32).base64EncodedString())

    public static func make() async throws -> CatalogDatabase {
        let url = try await TestCluster.shared.migratedDatabase()
        try await ExampleCatalog.apply(to: url, sealer: sealer)
        return CatalogDatabase(url: url, pool: PostgresPool(url: url, maxConnections: 4))
    }

    /// The first column of the first row of a counting query.
    public func count(_ sql: String) async throws -> Int {
        try await pool.query(PostgresStatement("test.count", sql, prepared: false))[0].decode(Int.self, at: 0)
    }
}

/// An order of the example restaurant's Hamra branch, as a customer's Arabizi line reads, ready to
/// place: "2 chicken shawarma large bala toum w 1 fattoush", delivery, $1.00 fee.
public enum ExampleOrder {
    public static let restaurant = try! TenantLoader().load(
        from: WorktreeSource(root: ExampleCatalog.projectFolder),
        only: ["abu-salim-grill"]
    ).tenants[0]

    public static func setUp() async throws -> (CatalogDatabase, OrderStore, OrderStore.Placement, Cart) {
        let database = try await CatalogDatabase.make()
        let (store, placement, cart) = try await on(database.pool)
        return (database, store, placement, cart)
    }

    /// The order over a pool whose database has the example tenants applied.
    public static func on(_ pool: PostgresPool) async throws -> (OrderStore, OrderStore.Placement, Cart) {
        let ids = try await pool.query(
            PostgresStatement("test.hamra", "SELECT business_id, id FROM branches WHERE key = 'hamra'")
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
        return (OrderStore(pool: pool), placement, cart)
    }

    /// Places an order (a new confirmation key each), walks it to `status`, and dates its finish
    /// `hoursAgo` back.
    public static func finished(
        _ store: OrderStore,
        _ placement: OrderStore.Placement,
        _ cart: Cart,
        to status: OrderStatus,
        hoursAgo: Double
    ) async throws -> UUID {
        var placement = placement
        placement.confirmationKey = "wamid.\(UUID().uuidString)"
        placement.address = DeliveryAddress(text: "Hamra, near the AUB gate", latitude: 33.8966, longitude: 35.4823)
        let id = try await store.place(cart, placement).id
        let path: [OrderStatus] =
            switch status {
            case .cancelled: [.cancelled]
            case .completed: [.accepted, .preparing, .ready, .completed]
            case .ready: [.accepted, .preparing, .ready]
            default: []
            }
        for step in path { try await store.move(id, to: step, by: .business) }
        try await store.pool.query(
            PostgresStatement(
                "test.backdate",
                """
                UPDATE orders SET completed_at = completed_at - $2 * interval '1 hour',
                    cancelled_at = cancelled_at - $2 * interval '1 hour' WHERE id = $1
                """,
                prepared: false
            ),
            [id, Int(hoursAgo)]
        )
        return id
    }
}
