import Foundation
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
        let ids = try await database.pool.query(
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
        return (database, OrderStore(pool: database.pool), placement, cart)
    }
}
