public import Foundation

/// A branch's state of the day (migration 0023): new orders paused, busy mode.
public enum BranchOperations {
    public struct State: Sendable, Equatable {
        /// New orders are refused until then (`.distantFuture`: until reopened); nil when open.
        public var pausedUntil: Date?
        /// Minutes added to the preparation time quoted.
        public var busyMinutes: Int

        public init(pausedUntil: Date? = nil, busyMinutes: Int = 0) {
            self.pausedUntil = pausedUntil
            self.busyMinutes = busyMinutes
        }

        public func isPaused(at now: Date) -> Bool { pausedUntil.map { now < $0 } ?? false }

        /// From a row with `columns(_:)`.
        init(_ row: PostgresRow) throws {
            pausedUntil =
                try row.decode(Bool.self, "paused_indefinitely")
                ? .distantFuture : try row.decode(Date?.self, "paused_until")
            busyMinutes = try row.decode(Int.self, "busy_minutes")
        }
    }

    /// The columns a `State` is read from, of `branch_operations` under the alias `table` (which may
    /// be missing from a left join: open, not busy).
    static func columns(_ table: String) -> String {
        """
        CASE WHEN \(table).paused_until = 'infinity' THEN NULL ELSE \(table).paused_until END AS paused_until,
        coalesce(\(table).paused_until = 'infinity', false) AS paused_indefinitely,
        coalesce(\(table).busy_minutes, 0) AS busy_minutes
        """
    }

    static let read = PostgresStatement(
        "operations.read",
        "SELECT \(columns("o")) FROM branch_operations o WHERE o.branch_id = $1"
    )

    /// The branch's state now (open and not busy when nothing was ever set).
    public static func state(of branch: UUID, on connection: PostgresConnection) async throws -> State {
        try await connection.query(read, [branch]).first.map(State.init) ?? State()
    }

    static let write = PostgresStatement(
        "operations.write",
        named: """
            INSERT INTO branch_operations (branch_id, business_id, paused_until, busy_minutes, updated_by)
            SELECT b.id, b.business_id,
                   CASE WHEN :indefinitely THEN 'infinity'::timestamptz ELSE :until::timestamptz END, :busy, :by
            FROM branches b WHERE b.id = :branch
            ON CONFLICT (branch_id) DO UPDATE SET paused_until = excluded.paused_until,
                busy_minutes = excluded.busy_minutes, updated_at = now(), updated_by = excluded.updated_by
            RETURNING branch_id
            """
    )

    /// Sets the branch's state; false when the scope has no such branch.
    public static func set(
        _ state: State,
        branch: UUID,
        by person: String,
        on connection: PostgresConnection
    ) async throws -> Bool {
        let indefinitely = state.pausedUntil == .distantFuture
        return try await !connection.query(
            write,
            [
                "branch": branch, "indefinitely": indefinitely,
                "until": indefinitely ? nil : state.pausedUntil, "busy": state.busyMinutes, "by": person,
            ]
        ).isEmpty
    }
}
