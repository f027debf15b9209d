public import Foundation
import TalabCore
public import TalabStore

/// A generated history of the example restaurant for analytics: orders over the last 45 days in
/// both branches, forty customers, items with options, four languages, completed, cancelled and
/// ready orders, the older ones archived, and every day rolled up.
public enum GeneratedHistory {
    static let beirut = TimeZone(identifier: "Asia/Beirut")!
    static let lines = [
        "2 chicken shawarma large bala toum w 1 fattoush", "1 falafel sandwich", "3 hummus",
        "1 chicken shawarma regular bala kabis", "2 meat shawarma large bala basal", "1 mixed grill saj",
        "1 shish taouk jebne w 1 hummus", "4 falafel sandwich w 2 fattoush", "1 kafta sandwich",
    ]

    /// Makes the history on a database with the example tenants; its first and last dates.
    /// Without `open`, every order is completed or cancelled (nothing left on the board).
    public static func make(
        _ pool: PostgresPool,
        orders: Int = 240,
        open: Bool = true
    ) async throws -> (LocalDate, LocalDate) {
        let (store, placement, _) = try await ExampleOrder.on(pool)
        let branches = try await pool.query(
            PostgresStatement(
                "test.branches",
                "SELECT id FROM branches WHERE key IN ('hamra', 'achrafieh') ORDER BY key",
                prepared: false
            )
        ).map { try $0.decode(UUID.self, "id") }
        var generator = SeededGenerator(seed: 17)
        let menus = ExampleOrder.restaurant.menus
        let today = LocalDate(Date(), in: beirut)
        let first = today.offset(-44)
        let languages: [Language] = [.arabic, .arabizi, .english, .french]
        for index in 0..<orders {
            var cart = Cart(currency: "USD")
            for line in OrderParser(menus: menus).parse(lines[Int.random(in: 0..<lines.count, using: &generator)]).lines
            {
                cart.add(line)
            }
            guard !cart.lines.isEmpty else { continue }
            var order = placement
            order.branchID = branches[index % 3 == 0 ? 0 : 1]
            order.customerPhone = "9617100\(String(format: "%04d", Int.random(in: 0..<40, using: &generator)))"
            order.language = languages[Int.random(in: 0..<4, using: &generator)]
            let roll = Int.random(in: 0..<10, using: &generator)
            let status: OrderStatus = roll < 7 || (!open && roll == 9) ? .completed : roll < 9 ? .cancelled : .ready
            let day = first.offset(Int.random(in: 0...44, using: &generator))
            let (start, _) = day.bounds(in: beirut)!
            let placed = start.addingTimeInterval(
                Double(Int.random(in: 10 * 3600..<(23 * 3600 + 59 * 60), using: &generator))
            )
            let minutes = Int.random(in: 8...55, using: &generator)
            let id = try await ExampleOrder.finished(store, order, cart, to: status, hoursAgo: 0)
            try await pool.query(
                PostgresStatement(
                    "test.redate",
                    """
                    UPDATE orders SET created_at = $2,
                        completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE $2 + $3 * interval '1 minute' END,
                        cancelled_at = CASE WHEN cancelled_at IS NULL THEN NULL ELSE $2 + interval '4 minutes' END
                    WHERE id = $1
                    """,
                    prepared: false
                ),
                [id, placed, minutes]
            )
            // Its status changes when they would have happened: accepted a few minutes after it was
            // placed, completed or cancelled when the order says.
            let accept = Int.random(in: 30...600, using: &generator)
            try await pool.query(
                PostgresStatement(
                    "test.retime",
                    """
                    UPDATE order_status_history h SET changed_at = CASE h.status
                        WHEN 'pending' THEN o.created_at
                        WHEN 'accepted' THEN o.created_at + $2 * interval '1 second'
                        WHEN 'completed' THEN o.completed_at
                        WHEN 'cancelled' THEN o.cancelled_at
                        ELSE o.created_at + $2 * interval '1 second' + interval '1 minute' END
                    FROM orders o WHERE o.id = h.order_id AND o.id = $1
                    """,
                    prepared: false
                ),
                [id, accept]
            )
        }
        // The older part goes to the history, as the archiver would have taken it.
        let archived = try await OrderArchiver(pool: pool, store: PostgresLogStore(pool: pool), olderThan: 20 * 86_400)
            .archiveAll()
        guard archived.archived > 0 else { throw TestSetupError("nothing was old enough to archive") }
        let businesses = try await BusinessDirectory.businesses(pool).filter { $0.slug == "abu-salim-grill" }
        _ = try await MetricsRollup(pool: pool, history: PostgresLogStore(pool: pool))
            .rollup(businesses: businesses, from: first.offset(-45), through: today)
        return (first, today)
    }

}
