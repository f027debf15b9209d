public import Foundation

/// Where a dashboard request's queries run: a transaction as the role `talab_dashboard` (no
/// BYPASSRLS, owns nothing) with `talab.business_id` set to the signed-in business, so PostgreSQL's
/// row-level security (migration 0021) hides every other business's rows, whatever a query's
/// `WHERE` says. Both settings end with the transaction: the pooled connection goes back clean.
extension PostgresPool {
    static let enterBusiness = PostgresStatement(
        "scope.enter",
        "SELECT set_config('role', 'talab_dashboard', true), set_config('talab.business_id', $1, true)"
    )

    /// Runs `body` in a transaction that sees only `business`'s rows.
    public func withBusiness<Result>(
        _ business: UUID,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTransaction { connection in
            try await connection.query(PostgresPool.enterBusiness, [business.lowercasedText])
            return try await body(connection)
        }
    }
}
