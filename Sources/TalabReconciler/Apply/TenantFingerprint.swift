import Foundation
import TalabStore

/// A fingerprint of a tenant's rows, cheap enough to take for every tenant on every plan.
///
/// Per table it combines the row count, the latest `updated_at` (or `created_at`) and a sum of the
/// ids' hashes, so an insert, a delete or an update made through SQL (the `updated_at` trigger
/// fires) all move it. It is not a hash of every value: an UPDATE that also forges `updated_at`
/// back in time would go unseen.
enum TenantFingerprint {
    static func query() -> PostgresStatement {
        let parts = ConfigTable.all.map { table -> String in
            let stamp = ["branch_menus", "item_ingredients"].contains(table.name) ? "created_at" : "updated_at"
            return """
                SELECT \(table.businessColumn) AS business_id, '\(table.name)' AS name, count(*) AS rows,
                       max(t.\(stamp)) AS stamp, sum(hashtext(t.id::text)::bigint) AS ids
                FROM \(table.name) t \(table.parentJoin)
                JOIN unnest($1::uuid[]) AS b(id) ON b.id = \(table.businessColumn) GROUP BY 1
                """
        }
        return PostgresStatement(
            "reconcile.fingerprint",
            """
            SELECT p.business_id, md5(string_agg(p.name || ':' || p.rows || ':' || coalesce(p.stamp::text, '') || ':'
                                                 || coalesce(p.ids::text, ''), ',' ORDER BY p.name)) AS fingerprint
            FROM (\(parts.joined(separator: "\nUNION ALL\n"))) p GROUP BY p.business_id
            """
        )
    }

    /// The fingerprint of each business that has rows, by business id.
    static func take(_ businesses: [UUID], on connection: PostgresConnection) async throws -> [UUID: String] {
        var fingerprints: [UUID: String] = [:]
        let ids = PostgresTextArray(businesses.map { $0.lowercasedText })
        for row in try await connection.query(query(), [ids]) {
            fingerprints[try row.decode(UUID.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return fingerprints
    }
}
