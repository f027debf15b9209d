public import Foundation
public import TalabCore
public import TalabStore

/// Auto-reject: an order nobody accepted within its business's `auto_reject_minutes` is cancelled
/// by the system, its reason recorded for the board, and the customer told in their language (so
/// nobody waits for a closed kitchen). Safe to run in several servers at once: each round locks the
/// orders it takes and skips those another round holds.
public struct UnansweredOrders: Sendable {
    public let pool: PostgresPool
    public let notifier: OrderNotifier
    /// Rung for each order cancelled, so live boards hear of it.
    public let moved: @Sendable (UUID) async -> Void

    public init(
        pool: PostgresPool,
        notifier: OrderNotifier = OrderNotifier(),
        moved: @escaping @Sendable (UUID) async -> Void = { _ in }
    ) {
        self.pool = pool
        self.notifier = notifier
        self.moved = moved
    }

    /// Cancels what is due, up to `limit` orders a transaction until none is left; how many.
    @discardableResult
    public func rejectDue(limit: Int = 100) async throws -> Int {
        var total = 0
        while true {
            let cancelled = try await pool.withTransaction { connection -> [UUID] in
                let due = try await OrderStore.unanswered(limit: limit, on: connection)
                for (order, minutes) in due {
                    try await OrderStore.move(order, to: .cancelled, by: .system, on: connection)
                    try await OrderStore.annotate(
                        order,
                        readyInMinutes: nil,
                        reason: "not accepted within \(minutes) minutes",
                        on: connection
                    )
                    try await notifier.notify(
                        order: order,
                        status: .cancelled,
                        phrase: "status_auto_rejected",
                        on: connection
                    )
                }
                return due.map(\.0)
            }
            for order in cancelled { await moved(order) }
            total += cancelled.count
            if cancelled.count < limit { return total }
        }
    }
}
