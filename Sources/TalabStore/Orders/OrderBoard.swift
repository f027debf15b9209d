public import Foundation

/// Orders as the dashboard reads them, each in the archive's document shape (`OrderDocument`): a
/// live order and an archived one look alike to a reader. Run on a business's scope
/// (`PostgresPool.withBusiness`): row-level security decides what exists.
public enum OrderBoard {
    /// The statuses of the board's columns (New, Accepted, Preparing, Ready).
    public static let activeStatuses = ["pending", "accepted", "preparing", "ready"]

    static let live = PostgresStatement(
        "board.live",
        """
        WITH chosen AS (
            SELECT o.* FROM orders o
            WHERE o.status IN ('pending', 'accepted', 'preparing', 'ready')
              AND ($1::uuid IS NULL OR o.branch_id = $1)
        )\(OrderDocument.aggregates(of: "chosen"))
        SELECT coalesce(jsonb_agg(\(OrderDocument.body("c", archivedAt: "NULL::timestamptz"))
                                  ORDER BY c.created_at, c.id), '[]'::jsonb)::text AS orders
        FROM chosen c \(OrderDocument.joins("c"))
        """
    )

    /// The orders on the board (not yet completed or cancelled), oldest first, as a JSON array.
    public static func live(branch: UUID?, on connection: PostgresConnection) async throws -> String {
        try await connection.query(live, [branch])[0].decode(String.self, "orders")
    }

    static let one = PostgresStatement(
        "board.one",
        """
        WITH chosen AS (SELECT o.* FROM orders o WHERE o.id = $1)\(OrderDocument.aggregates(of: "chosen"))
        SELECT c.branch_id, \(OrderDocument.body("c", archivedAt: "NULL::timestamptz"))::text AS body
        FROM chosen c \(OrderDocument.joins("c"))
        UNION ALL
        SELECT (body -> 'order' ->> 'branch_id')::uuid, body::text FROM history.order_logs WHERE id = $1
        LIMIT 1
        """
    )

    /// One order, live or archived, as its document with its branch; nil when this scope has none.
    public static func order(
        _ id: UUID,
        on connection: PostgresConnection
    ) async throws -> (
        branch: UUID?, document: String
    )? {
        guard let row = try await connection.query(one, [id]).first else { return nil }
        return (try row.decode(UUID?.self, "branch_id"), try row.decode(String.self, "body"))
    }
}

extension OrderBoard {
    /// The business a board belongs to, as its pages show it.
    public struct Profile: Sendable {
        public struct Branch: Sendable {
            public let id: UUID
            public let key: String
            public let name: String
            public let preparationMinutes: Int?
            /// Paused, busy: what the dashboard set for today.
            public let operations: BranchOperations.State
            /// Busy mode: minutes the dashboard adds to the preparation time now.
            public var busyMinutes: Int { operations.busyMinutes }
        }
        public let name: String
        public let timeZone: String
        public let currency: String
        public let branches: [Branch]
        /// Whether it has bookable services (courts, appointments): then its day of bookings matters.
        public let takesBookings: Bool
    }

    static let profile = PostgresStatement(
        "board.profile",
        """
        SELECT u.business_name, u.timezone, u.currency, b.id, b.key::text AS key, b.branch_name,
               b.avg_preparation_time_minutes, \(BranchOperations.columns("p")),
               EXISTS (SELECT 1 FROM items i WHERE i.business_id = u.id AND i.duration_minutes IS NOT NULL
                       AND i.deleted_at IS NULL) AS bookable
        FROM users u LEFT JOIN branches b ON b.business_id = u.id AND b.deleted_at IS NULL
        LEFT JOIN branch_operations p ON p.branch_id = b.id
        ORDER BY b.branch_name
        """
    )

    /// The scope's business (row-level security leaves one) with its branches; nil outside a scope.
    public static func profile(on connection: PostgresConnection) async throws -> Profile? {
        let rows = try await connection.query(profile)
        guard let first = rows.first else { return nil }
        let branches = try rows.compactMap { row -> Profile.Branch? in
            guard let id = try row.decode(UUID?.self, "id") else { return nil }
            return Profile.Branch(
                id: id,
                key: try row.decode(String.self, "key"),
                name: try row.decode(String.self, "branch_name"),
                preparationMinutes: try row.decode(Int?.self, "avg_preparation_time_minutes"),
                operations: try BranchOperations.State(row)
            )
        }
        return Profile(
            name: try first.decode(String.self, "business_name"),
            timeZone: try first.decode(String.self, "timezone"),
            currency: try first.decode(String.self, "currency"),
            branches: branches,
            takesBookings: try first.decode(Bool.self, "bookable")
        )
    }
}
