public import Foundation

/// Reads the rollup back, a line per business day (all branches added up), for operators.
public enum DailyMetricsReader {
    static let days = PostgresStatement(
        "metrics.days",
        """
        SELECT date::text AS date, min(currency) AS currency, sum(orders_count)::int AS orders,
               sum(revenue_total)::text AS revenue, sum(cancelled_count)::int AS cancelled,
               sum(open_count)::int AS open, sum(customers_count)::int AS customers,
               sum(repeat_customers_count)::int AS repeat
        FROM daily_business_metrics WHERE business_id = $1
        GROUP BY date ORDER BY date DESC LIMIT $2
        """
    )

    /// `2026-12-05  12 orders  186.50 USD  1 cancelled  0 open  9 customers (3 repeat)`, newest first.
    public static func days(_ pool: PostgresPool, business: UUID, limit: Int) async throws -> [String] {
        try await pool.query(days, [business, limit]).map { row in
            let date = try row.decode(String.self, "date")
            let orders = try row.decode(Int.self, "orders")
            let revenue = try row.decode(String.self, "revenue")
            let currency = try row.decode(String.self, "currency")
            let cancelled = try row.decode(Int.self, "cancelled")
            let open = try row.decode(Int.self, "open")
            let customers = try row.decode(Int.self, "customers")
            let repeating = try row.decode(Int.self, "repeat")
            return "\(date)  \(orders) orders  \(revenue) \(currency)  \(cancelled) cancelled  \(open) open  "
                + "\(customers) customers (\(repeating) repeat)"
        }
    }
}
