import Foundation
import TalabStore

/// A fingerprint of a tenant's rows: the version `catalog_versions` keeps for it.
///
/// Triggers on every catalog table move a tenant's version with each statement that writes its rows
/// (insert, update, soft or hard delete), whoever runs it, so reading one row per tenant tells
/// whether anything changed since the reconciler last looked. Migrations/SQL/0005_catalog_versions.sql (TalabStore).
enum TenantFingerprint {
    static let read = PostgresStatement(
        "reconcile.fingerprint",
        "SELECT business_id, version::text FROM catalog_versions WHERE business_id = ANY($1::uuid[])"
    )

    /// The fingerprint of each business that has rows, by business id.
    static func take(_ businesses: [UUID], on connection: PostgresConnection) async throws -> [UUID: String] {
        var fingerprints: [UUID: String] = [:]
        let ids = PostgresTextArray(businesses.map { $0.lowercasedText })
        for row in try await connection.query(read, [ids]) {
            fingerprints[try row.decode(UUID.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return fingerprints
    }
}
