public import Foundation

/// A business's items as its dashboard lists them (run in its scope: row-level security decides).
public enum MenuItems {
    public struct Item: Sendable, Equatable {
        public let key: String
        public let name: String
        public let menu: String
        public let price: Decimal
        public let availability: String
    }

    static let all = PostgresStatement(
        "menu.items",
        """
        SELECT i.key::text AS key, i.name, m.name AS menu, i.price, i.availability::text AS availability
        FROM items i JOIN menus m ON m.id = i.menu_id
        WHERE i.deleted_at IS NULL AND m.deleted_at IS NULL
        ORDER BY m.name, i.position, i.name
        """
    )

    public static func list(on connection: PostgresConnection) async throws -> [Item] {
        try await connection.query(all).map { row in
            Item(
                key: try row.decode(String.self, "key"),
                name: try row.decode(String.self, "name"),
                menu: try row.decode(String.self, "menu"),
                price: try row.decode(Decimal.self, "price"),
                availability: try row.decode(String.self, "availability")
            )
        }
    }
}
