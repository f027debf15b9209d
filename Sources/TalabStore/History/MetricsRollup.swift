public import Foundation

/// The nightly rollup (SPEC §3.4, §4.3): for each business and each local date, its orders placed
/// that day (live in SQL and archived in the history alike) become one `daily_business_metrics`
/// row per branch, recomputed whole, so any past range can be rolled up again.
///
/// Dates are the business's own calendar days in its time zone: a day a DST change shortens or
/// lengthens has 23 or 25 hours, and an order placed at 00:30 after a late service belongs to the
/// next date (hour 0 of it).
public struct MetricsRollup: Sendable {
    public let pool: PostgresPool
    public let history: any LogStore

    public init(pool: PostgresPool, history: any LogStore) {
        self.pool = pool
        self.history = history
    }

    /// What a rollup did.
    public struct Summary: Sendable, Equatable {
        public var days = 0
        public var rows = 0
        public var orders = 0
        /// Documents that could not be read as orders (counted, not fatal).
        public var unreadable = 0

        public init() {}
    }

    static let live = PostgresStatement(
        "rollup.live",
        """
        WITH placed AS (
            SELECT * FROM orders WHERE business_id = $1 AND created_at >= $2 AND created_at < $3
        )\(OrderDocument.aggregates(of: "placed"))
        SELECT \(OrderDocument.body("p", archivedAt: "NULL"))::text AS body FROM placed p \(OrderDocument.joins("p"))
        """
    )
    static let seen = PostgresStatement(
        "rollup.seen",
        named: """
            WITH upserted AS (
                INSERT INTO business_customers_seen (business_id, customer, first_date)
                SELECT :business, customer, :date::date FROM unnest(:customers::text[]) AS customer
                ON CONFLICT (business_id, customer)
                DO UPDATE SET first_date = least(business_customers_seen.first_date, excluded.first_date)
                RETURNING customer, first_date
            )
            SELECT count(*) FILTER (WHERE first_date < :date::date)::int AS repeat FROM upserted
            """
    )
    static let serialize = PostgresStatement(
        "rollup.serialize",
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))"
    )
    static let clear = PostgresStatement(
        "rollup.clear",
        "DELETE FROM daily_business_metrics WHERE business_id = $1 AND date = $2::date"
    )
    static let insert = PostgresStatement(
        "rollup.insert",
        named: """
            INSERT INTO daily_business_metrics (
                business_id, branch_id, date, currency, orders_count, revenue_total, avg_order_value,
                cancelled_count, open_count, top_items, items, hourly_orders, peak_hours, customers_count,
                repeat_customers_count, customers, completion_seconds, completion_p50_seconds,
                completion_p90_seconds, languages, item_ids, item_quantities, item_revenue, customer_keys,
                customer_orders, customer_spent, option_item_ids, option_names, option_counts, accept_seconds)
            VALUES (:business, :branch, :date::date, :currency, :orders, :revenue, :average, :cancelled, :open,
                :top_items::jsonb, :items::jsonb, :hourly::text::integer[], :peaks::text::integer[], :customers_count,
                :repeat, :customers::jsonb, :completion::text::integer[], :p50, :p90, :languages::jsonb,
                :item_ids::text[]::uuid[], :item_quantities::text[]::integer[], :item_revenue::text[]::numeric[],
                :customer_keys::text[], :customer_orders::text[]::integer[], :customer_spent::text[]::numeric[],
                :option_item_ids::text[]::uuid[], :option_names::text[], :option_counts::text[]::integer[],
                :accept::text::integer[])
            """
    )

    /// Rolls up one local date of one business; the rows written.
    @discardableResult
    public func rollup(
        business: BusinessDirectory.Business,
        date: LocalDate
    ) async throws -> (
        metrics: [DailyMetrics], summary: Summary
    ) {
        let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
        guard let (start, end) = date.bounds(in: zone) else { return ([], Summary()) }
        var summary = Summary()
        var bodies: [UUID: String] = [:]
        for document in try await history.all(
            LogQuery(business: business.id, from: start, until: end, limit: LogQuery.maxLimit),
            in: .orderLogs
        ) {
            bodies[document.id] = document.body
        }
        var records: [OrderRecord] = []
        for row in try await pool.query(MetricsRollup.live, [business.id, start, end]) {
            // An order both live and archived (mid-archive) is the same order: counted once.
            let body = try row.decode(String.self, "body")
            if let record = try? OrderRecord.decode(body) {
                bodies[record.order.id] = nil
                records.append(record)
            } else {
                summary.unreadable += 1
            }
        }
        for body in bodies.values {
            if let record = try? OrderRecord.decode(body) { records.append(record) } else { summary.unreadable += 1 }
        }
        var branches = DailyMetrics.compute(records, business: business.id, date: date.text, zone: zone)
        try await pool.withTransaction { connection in
            // One rollup of a business's date at a time (the hourly job in each server, a report
            // asking for today): the second waits, then replaces the first's rows.
            try await connection.query(MetricsRollup.serialize, [business.id.lowercasedText + "/" + date.text])
            for branch in branches.keys.sorted(by: { $0.uuidString < $1.uuidString }) {
                let customers = branches[branch]!.customers.keys.sorted()
                branches[branch]!.repeatCustomersCount = try await connection.query(
                    MetricsRollup.seen,
                    ["business": business.id, "date": date.text, "customers": PostgresTextArray(customers)]
                )[0].decode(Int.self, "repeat")
            }
            try await connection.query(MetricsRollup.clear, [business.id, date.text])
            for metrics in branches.values {
                try await connection.query(MetricsRollup.insert, MetricsRollup.bindings(metrics))
            }
        }
        summary.days = 1
        summary.rows = branches.count
        summary.orders = records.count
        return (branches.values.sorted { $0.branch.uuidString < $1.branch.uuidString }, summary)
    }

    /// Every date from `first` to `last` (inclusive) of each business, in date order.
    public func rollup(
        businesses: [BusinessDirectory.Business],
        from first: LocalDate,
        through last: LocalDate
    ) async throws -> Summary {
        var total = Summary()
        for business in businesses {
            var date = first
            while date <= last {
                let summary = try await rollup(business: business, date: date).summary
                total.days += summary.days
                total.rows += summary.rows
                total.orders += summary.orders
                total.unreadable += summary.unreadable
                date = date.next
            }
        }
        return total
    }

    static func bindings(_ metrics: DailyMetrics) -> PostgresBindings {
        func json(_ value: some Encodable) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        func array(_ values: [Int]) -> String { "{" + values.map(String.init).joined(separator: ",") + "}" }
        let items = Dictionary(uniqueKeysWithValues: metrics.items.map { ($0.key.uuidString.lowercased(), $0.value) })
        let top = metrics.topItems.map { TopItem(itemID: $0.id.uuidString.lowercased(), tally: $0.tally) }
        // The same tallies as parallel arrays (migration 0027), in a fixed order.
        let itemIDs = metrics.items.keys.sorted { $0.uuidString < $1.uuidString }
        let customerKeys = metrics.customers.keys.sorted()
        let options = itemIDs.flatMap { id in
            (metrics.items[id]!.options ?? [:]).sorted { $0.key < $1.key }.map { (id, $0.key, $0.value) }
        }
        return [
            "business": metrics.business, "branch": metrics.branch, "date": metrics.date,
            "currency": metrics.currency, "orders": metrics.ordersCount, "revenue": metrics.revenueTotal,
            "average": metrics.averageOrderValue, "cancelled": metrics.cancelledCount, "open": metrics.openCount,
            "top_items": json(top), "items": json(items), "hourly": array(metrics.hourlyOrders),
            "peaks": array(metrics.peakHours), "customers_count": metrics.customers.count,
            "repeat": metrics.repeatCustomersCount, "customers": json(metrics.customers),
            "completion": array(metrics.completionSeconds), "p50": metrics.completionPercentile(0.5),
            "accept": array(metrics.acceptSeconds),
            "p90": metrics.completionPercentile(0.9), "languages": json(metrics.languages),
            "item_ids": PostgresTextArray(itemIDs.map { $0.uuidString.lowercased() }),
            "item_quantities": PostgresTextArray(itemIDs.map { String(metrics.items[$0]!.quantity) }),
            "item_revenue": PostgresTextArray(itemIDs.map { "\(metrics.items[$0]!.revenue)" }),
            "customer_keys": PostgresTextArray(customerKeys),
            "customer_orders": PostgresTextArray(customerKeys.map { String(metrics.customers[$0]!.orders) }),
            "customer_spent": PostgresTextArray(customerKeys.map { "\(metrics.customers[$0]!.spent)" }),
            "option_item_ids": PostgresTextArray(options.map { $0.0.uuidString.lowercased() }),
            "option_names": PostgresTextArray(options.map(\.1)),
            "option_counts": PostgresTextArray(options.map { String($0.2) }),
        ]
    }

    struct TopItem: Encodable {
        let itemID: String
        let tally: DailyMetrics.ItemTally

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case name, quantity, revenue
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(itemID, forKey: .itemID)
            try container.encode(tally.name, forKey: .name)
            try container.encode(tally.quantity, forKey: .quantity)
            try container.encode(tally.revenue, forKey: .revenue)
        }
    }
}

/// A calendar date, `YYYY-MM-DD`, of no time zone until one is given.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public init?(year: Int, month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
            calendar.component(.day, from: date) == day
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// The date `moment` falls on in `zone`.
    public init(_ moment: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: moment)
        (year, month, day) = (parts.year!, parts.month!, parts.day!)
    }

    public var text: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public var description: String { text }

    /// Its first instant in `zone` and the next date's: 23, 24 or 25 hours apart.
    public func bounds(in zone: TimeZone) -> (Date, Date)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)),
            let nextNoon = calendar.date(byAdding: .day, value: 1, to: noon)
        else { return nil }
        return (calendar.startOfDay(for: noon), calendar.startOfDay(for: nextNoon))
    }

    public var next: LocalDate { offset(1) }
    public var previous: LocalDate { offset(-1) }

    /// The date `days` later (earlier when negative).
    public func offset(_ days: Int) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let date = calendar.date(
            byAdding: .day,
            value: days,
            to: calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        )!
        return LocalDate(date, in: calendar.timeZone)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}
