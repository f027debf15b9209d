public import Foundation

/// The businesses of this database, by slug, with what a reader of their history needs: the name
/// and the time zone their days are counted in.
public enum BusinessDirectory {
    public struct Business: Sendable, Hashable {
        public let id: UUID
        public let slug: String
        public let name: String
        public let timeZone: String
        public let currency: String

        public init(id: UUID, slug: String, name: String, timeZone: String, currency: String) {
            self.id = id
            self.slug = slug
            self.name = name
            self.timeZone = timeZone
            self.currency = currency
        }
    }

    static let list = PostgresStatement(
        "directory.businesses",
        """
        SELECT id, slug, business_name, timezone, currency FROM users
        WHERE user_type = 'business' AND ($1::text IS NULL OR slug = $1) ORDER BY slug
        """
    )

    /// Every business (deleted ones too: their history stays), or the one of `slug`.
    public static func businesses(_ pool: PostgresPool, slug: String? = nil) async throws -> [Business] {
        try await pool.query(list, [slug]).map { row in
            Business(
                id: try row.decode(UUID.self, "id"),
                slug: try row.decode(String.self, "slug"),
                name: try row.decode(String.self, "business_name"),
                timeZone: try row.decode(String.self, "timezone"),
                currency: try row.decode(String.self, "currency")
            )
        }
    }
}
