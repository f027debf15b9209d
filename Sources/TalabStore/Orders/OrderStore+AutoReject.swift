public import Foundation

extension OrderStore {
    static let unanswered = PostgresStatement(
        "orders.unanswered",
        """
        SELECT o.id, u.auto_reject_minutes FROM orders o JOIN users u ON u.id = o.business_id
        WHERE o.status = 'pending' AND o.scheduled_for IS NULL AND u.auto_reject_minutes IS NOT NULL
          AND o.created_at < now() - u.auto_reject_minutes * interval '1 minute'
        ORDER BY o.created_at LIMIT $1
        FOR UPDATE OF o SKIP LOCKED
        """
    )

    /// Orders for now (not for later) that waited longer than their business's
    /// `auto_reject_minutes` without being accepted, locked for the caller's transaction (another
    /// server's round skips them), with the minutes they were allowed.
    public static func unanswered(limit: Int, on connection: PostgresConnection) async throws -> [(UUID, Int)] {
        try await connection.query(unanswered, [limit]).map { row in
            (try row.decode(UUID.self, "id"), try row.decode(Int.self, "auto_reject_minutes"))
        }
    }
}
