public import Foundation
public import TalabStore

/// `talab bench analytics`: the reports of one business read from a rollup as a year of a thousand
/// businesses leaves it (each business two branches, about 27 orders a day: some ten million orders),
/// over 30 and 365 days with the previous range beside each, as the dashboard asks for them; and the
/// nightly rollup of one day of every business from its archived orders.
///
/// The year's rollup rows are generated directly (what the nightly rollup writes for such days:
/// thirty items with their options, forty customers drawn from a pool of two thousand, the hourly
/// counts and completion times); the day that is rolled up is generated as archived order documents.
public struct AnalyticsBenchmark: Sendable {
    public var businesses = 1_000
    /// Days of rollup rows, ending today: two years, so a year's report has the year before it.
    public var days = 730
    /// Orders of each business on the day rolled up.
    public var ordersPerDay = 27
    /// Report requests measured for each range.
    public var requests = 100

    public init() {}

    public struct Report: Sendable {
        public var rollupRows = 0
        public var conversationEvents = 0
        public var generateSeconds = 0.0
        /// Both ranges' figures read and the report made, seconds, sorted.
        public var month: [Double] = []
        public var year: [Double] = []
        public var rollup: Throughput
        public var rollupOrders = 0
        /// `EXPLAIN ANALYZE` of the slowest statement of a year's report.
        public var slowestPlan = ""
    }

    static func business(_ index: Int) -> UUID {
        UUID(uuidString: "00000000-0000-4000-8000-" + String(format: "%012x", index))!
    }

    /// A year of rollup rows for `businesses` businesses, two branches each, ending today.
    static func rollupRows(businesses: Int, days: Int) -> String {
        """
        WITH item_tallies AS (
            SELECT v, k, ('10000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid AS id,
                   1 + (k * 7 + v) % 9 AS quantity, ((1 + (k * 7 + v) % 9) * (3.5 + k % 5))::numeric(10, 2) AS revenue
            FROM generate_series(0, 9) v CROSS JOIN generate_series(1, 30) k
        ), item_sets AS (
            SELECT v, jsonb_object_agg(id::text, jsonb_build_object('name', 'Item ' || k, 'quantity', quantity,
                       'revenue', revenue, 'options', jsonb_build_object('Large', (k + v) % 4, 'No garlic', (k * 3 + v) % 3))) AS items,
                   array_agg(id ORDER BY id) AS ids, array_agg(quantity ORDER BY id) AS quantities,
                   array_agg(revenue ORDER BY id) AS revenues
            FROM item_tallies GROUP BY v
        ), option_sets AS (
            SELECT v, array_agg(id ORDER BY id, name) AS ids, array_agg(name ORDER BY id, name) AS names,
                   array_agg(count ORDER BY id, name) AS counts
            FROM item_tallies CROSS JOIN LATERAL (
                VALUES ('Large', (k + v) % 4), ('No garlic', (k * 3 + v) % 3)) AS o(name, count)
            GROUP BY v
        ), customer_tallies AS (
            SELECT DISTINCT ON (v, key) v, '9617' || lpad(((v * 97 + k * 13) % 2000)::text, 7, '0') AS key,
                   (12 + (v + k) % 20)::numeric(10, 2) AS spent
            FROM generate_series(0, 49) v CROSS JOIN generate_series(1, 40) k
        ), customer_sets AS (
            SELECT v, jsonb_object_agg(key, jsonb_build_object('orders', 1, 'spent', spent)) AS customers,
                   array_agg(key ORDER BY key) AS keys, array_agg(1 ORDER BY key) AS orders,
                   array_agg(spent ORDER BY key) AS spents
            FROM customer_tallies GROUP BY v
        ), places AS (
            SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid AS business,
                   ('20000000-0000-4000-8000-' || lpad(to_hex(b * 2 + r), 12, '0'))::uuid AS branch, b, r
            FROM generate_series(0, \(businesses - 1)) b CROSS JOIN generate_series(0, 1) r
        )
        INSERT INTO daily_business_metrics (business_id, branch_id, date, currency, orders_count, revenue_total,
            avg_order_value, cancelled_count, open_count, top_items, items, hourly_orders, peak_hours, customers_count,
            repeat_customers_count, customers, completion_seconds, completion_p50_seconds, completion_p90_seconds,
            languages, item_ids, item_quantities, item_revenue, customer_keys, customer_orders, customer_spent,
            option_item_ids, option_names, option_counts)
        SELECT p.business, p.branch, d.day, 'USD', 13, 13 * 18.5, 18.5, 1, 0, '[]', i.items,
               '{0,0,0,0,0,0,0,0,0,0,0,1,2,2,1,0,0,1,2,2,1,1,0,0}', '{12,13,18}', 40, 12, c.customers,
               '{600,720,840,900,960,1020,1080,1140,1200,1320,1500,1800,2400}', 1080, 1800,
               '{"arabic": 4, "arabizi": 5, "english": 2, "french": 2}', i.ids, i.quantities, i.revenues,
               c.keys, c.orders, c.spents, o.ids, o.names, o.counts
        FROM places p
        CROSS JOIN generate_series(current_date - \(days - 1), current_date, interval '1 day') AS d(day)
        JOIN item_sets i ON i.v = (p.b + extract(doy FROM d.day)::int) % 10
        JOIN option_sets o ON o.v = i.v
        JOIN customer_sets c ON c.v = (p.b * 3 + p.r + extract(doy FROM d.day)::int) % 50
        """
    }

    /// A year of conversation events for each business whose reports are measured, as a day of 27
    /// orders leaves them: 40 conversations begun, 32 carts, 27 confirmations, 5 lines not read (8
    /// texts), 2 asks for an unavailable item, a refusal while paused and a hand-off every few days.
    static func conversationEvents(businesses: [Int], days: Int) -> String {
        """
        INSERT INTO conversation_events (business_id, branch_id, customer, at, kind, detail)
        SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid,
               ('20000000-0000-4000-8000-' || lpad(to_hex(b * 2 + g % 2), 12, '0'))::uuid,
               '9617' || lpad(((b * 97 + d * 13 + g) % 2000)::text, 7, '0'),
               (current_date - d + interval '10 hours' + (g * 7 % 600) * interval '1 minute') AT TIME ZONE 'Asia/Beirut',
               CASE WHEN g <= 40 THEN 'started' WHEN g <= 72 THEN 'cart' WHEN g <= 99 THEN 'confirmed'
                    WHEN g <= 104 THEN 'not_understood' WHEN g <= 106 THEN 'unavailable'
                    WHEN (d + g) % 5 = 0 THEN 'paused' ELSE 'hand_off' END,
               CASE WHEN g BETWEEN 100 AND 104 THEN (ARRAY['pizza', 'burger', 'sushi', 'shu fi ghada?',
                        'wein l ma7al', 'btwasslo 3a jbeil?', 'fi parking?', 'pasta'])[1 + (d + g) % 8]
                    WHEN g BETWEEN 105 AND 106 THEN 'Item ' || (1 + (d * 3 + g) % 30) END
        FROM unnest(ARRAY[\(businesses.map(String.init).joined(separator: ","))]) b
        CROSS JOIN generate_series(0, \(days - 1)) d CROSS JOIN generate_series(1, 108) g
        """
    }

    /// `ordersPerDay` archived orders of each business, all placed on `day` (Beirut).
    static func dayOfOrders(businesses: Int, perBusiness: Int, day: LocalDate) -> String {
        """
        INSERT INTO history.order_logs (id, business_id, at, body)
        SELECT id, business, at, jsonb_build_object(
            'order', jsonb_build_object('id', id, 'business_id', business, 'branch_id', branch, 'status', 'completed',
                'currency', 'USD', 'total', '18.50', 'language', 'arabizi', 'created_at', at,
                'completed_at', at + interval '18 minutes'),
            'customer', jsonb_build_object('phone_number', '9617' || lpad((g % 2000)::text, 7, '0')),
            'items', jsonb_build_array(
                jsonb_build_object('item_id', '10000000-0000-4000-8000-' || lpad(to_hex(g % 30 + 1), 12, '0'),
                    'name', 'Item ' || (g % 30 + 1), 'quantity', 2, 'price', '8.00',
                    'options', jsonb_build_array(jsonb_build_object('name', 'Large', 'price_delta', '1.25')))),
            'archived_at', at + interval '2 days')
        FROM (
            SELECT g, gen_random_uuid() AS id,
                   ('00000000-0000-4000-8000-' || lpad(to_hex(g % \(businesses)), 12, '0'))::uuid AS business,
                   ('20000000-0000-4000-8000-' || lpad(to_hex((g % \(businesses)) * 2 + g % 2), 12, '0'))::uuid AS branch,
                   ('\(day.text) 11:00'::timestamp AT TIME ZONE 'Asia/Beirut') + (g % 600) * interval '1 minute' AS at
            FROM generate_series(1, \(businesses * perBusiness)) g
        ) generated
        """
    }

    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws
        -> Report
    {
        let url = try await BenchDatabase.fresh("talab_bench_analytics", on: server, migrations: migrations)
        // As `talab serve` has it (`Server.Settings.poolSize`): a report reads seven parts side by
        // side (two ranges of three, and the conversations), so a smaller pool would queue them.
        let pool = PostgresPool(url: url, maxConnections: 8)
        defer { pool.close() }
        let clock = ContinuousClock()

        progress("generating \(days) days of rollup rows for \(businesses) businesses (two branches each)")
        let started = clock.now
        try await pool.withConnection { connection in
            try await connection.executeScript(
                AnalyticsBenchmark.rollupRows(businesses: businesses, days: days),
                name: "bench.rollup_rows"
            )
            try await connection.executeScript("VACUUM ANALYZE daily_business_metrics", name: "bench.vacuum")
        }
        let measured = Array(Set((0..<requests).map { $0 * 7 % businesses })).sorted()
        progress(
            "generating \(min(365, days)) days of conversation events for the \(measured.count) businesses measured"
        )
        try await pool.withConnection { connection in
            // The benchmark's businesses exist only in the rollup: their events keep no reference
            // to `users` and `branches` in this database of its own.
            try await connection.executeScript(
                """
                ALTER TABLE conversation_events DROP CONSTRAINT conversation_events_business_id_fkey,
                    DROP CONSTRAINT conversation_events_branch_id_fkey
                """,
                name: "bench.events_unreferenced"
            )
            try await connection.executeScript(
                AnalyticsBenchmark.conversationEvents(businesses: measured, days: min(365, days)),
                name: "bench.events"
            )
            try await connection.executeScript("VACUUM ANALYZE conversation_events", name: "bench.vacuum_events")
        }
        let events = try await pool.query(
            PostgresStatement("bench.events_count", "SELECT count(*)::int AS n FROM conversation_events")
        )[0].decode(Int.self, "n")
        let generated = (clock.now - started).seconds
        let rows = try await pool.query(
            PostgresStatement("bench.rows", "SELECT count(*)::int AS n FROM daily_business_metrics")
        )[0].decode(Int.self, "n")

        let today = LocalDate(Date(), in: TimeZone(identifier: "Asia/Beirut")!)
        func measure(_ length: Int) async throws -> [Double] {
            var times: [Double] = []
            for index in 0..<requests {
                let business = AnalyticsBenchmark.business(index * 7 % businesses)
                let range = Analytics.Range(from: today.offset(1 - length), through: today)
                let begun = clock.now
                // As the dashboard reads it: the two ranges and the conversations side by side.
                let report = try await AnalyticsReport.read(
                    business: business,
                    range: range,
                    branch: nil,
                    zone: TimeZone(identifier: "Asia/Beirut")!,
                    currency: "USD",
                    reader: .platform,
                    pool: pool
                )
                guard report.conversations.counts["started"] ?? 0 > 0 else {
                    throw ClusterError("no conversations in the report of \(business)")
                }
                guard report.summary.orders.value > 0 else { throw ClusterError("an empty report for \(business)") }
                times.append((clock.now - begun).seconds)
            }
            return times.sorted()
        }
        progress("\(requests) reports over 30 days, then over 365 days, each with the previous range")
        let month = try await measure(30)
        let year = try await measure(min(365, days))

        progress("the plan of the slowest statement of a year's report")
        let plans = try await pool.withTransaction { connection in
            try await Analytics.plans(
                business: AnalyticsBenchmark.business(7),
                range: Analytics.Range(from: today.offset(1 - min(365, days)), through: today),
                on: connection
            )
        }
        let plan =
            plans.map { "\($0.name) \(String(format: "%.1f", $0.milliseconds)) ms" }.joined(separator: ", ") + "\n"
            + (plans.first?.plan ?? "")

        let day = today.offset(-(days + 2))
        progress("\(businesses * ordersPerDay) archived orders on \(day.text), then its rollup for every business")
        try await pool.withConnection { connection in
            try await connection.executeScript(
                AnalyticsBenchmark.dayOfOrders(businesses: businesses, perBusiness: ordersPerDay, day: day),
                name: "bench.day"
            )
            try await connection.executeScript("VACUUM ANALYZE history.order_logs", name: "bench.vacuum_day")
        }
        let rollup = MetricsRollup(pool: pool, history: PostgresLogStore(pool: pool))
        let rollupStarted = clock.now
        var rolled = 0
        for index in 0..<businesses {
            let business = BusinessDirectory.Business(
                id: AnalyticsBenchmark.business(index),
                slug: "bench-\(index)",
                name: "Bench \(index)",
                timeZone: "Asia/Beirut",
                currency: "USD"
            )
            rolled += try await rollup.rollup(business: business, date: day).summary.orders
        }
        return Report(
            rollupRows: rows,
            conversationEvents: events,
            generateSeconds: generated,
            month: month,
            year: year,
            rollup: Throughput(
                name: "rollup of one day",
                operations: businesses,
                seconds: (clock.now - rollupStarted).seconds
            ),
            rollupOrders: rolled,
            slowestPlan: plan
        )
    }
}
