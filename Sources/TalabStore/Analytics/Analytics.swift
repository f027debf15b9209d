public import Foundation

/// The reports of SPEC §11 for one business over a range of its own dates, read from the daily
/// rollup (`daily_business_metrics`, which holds live and archived orders alike, money from the
/// orders' snapshots): totals, sales by day, week, hour and weekday, items with their options,
/// customers (biggest spenders, repeat, returning within 30 days), order value, completion times,
/// branches side by side and languages. Run in the business's scope (row-level security) or the
/// admin's path; `business` is named all the same, so each query walks the rollup's primary key.
public enum Analytics {
    /// A range of local dates, both ends included.
    public struct Range: Sendable, Equatable {
        public let from: LocalDate
        public let through: LocalDate

        public init(from: LocalDate, through: LocalDate) {
            self.from = from
            self.through = through
        }

        /// Its number of days.
        public var days: Int {
            var count = 1
            var date = from
            while date < through {
                date = date.next
                count += 1
            }
            return count
        }

        /// The range of the same length just before this one.
        public var previous: Range {
            let length = days
            return Range(from: from.offset(-length), through: from.offset(-1))
        }
    }

    public struct Day: Sendable, Equatable {
        public let date: LocalDate
        public let branch: UUID
        public let currency: String
        public let orders: Int
        public let revenue: Decimal
        public let cancelled: Int
        public let open: Int
        public let hourly: [Int]
        public let completionSeconds: [Int]
        public let acceptSeconds: [Int]
        public let languages: [String: Int]
    }

    public struct Item: Sendable, Equatable {
        public let id: String
        public let name: String
        public let quantity: Int
        public let revenue: Decimal
        /// The options it was ordered with, most chosen first.
        public var options: [(name: String, count: Int)]

        public static func == (a: Item, b: Item) -> Bool {
            a.id == b.id && a.name == b.name && a.quantity == b.quantity && a.revenue == b.revenue
                && a.options.map(\.name) == b.options.map(\.name) && a.options.map(\.count) == b.options.map(\.count)
        }
    }

    public struct Spender: Sendable, Equatable {
        /// The customer as the rollup knows them: a phone number or a WhatsApp user id.
        public let customer: String
        public let name: String?
        public let orders: Int
        public let spent: Decimal
        public let lastOrder: LocalDate
    }

    public struct Customers: Sendable, Equatable {
        /// Customers with a completed order in the range.
        public var count = 0
        /// Of those, customers who had ordered before the range or on two days or more within it.
        public var repeating = 0
        /// Of those, customers who ordered again within 30 days of an earlier order.
        public var returningWithin30Days = 0
    }

    /// What a range came to, everything the reports are made of.
    public struct Figures: Sendable, Equatable {
        public var days: [Day] = []
        public var items: [Item] = []
        public var spenders: [Spender] = []
        public var customers = Customers()
    }

    static let rangeCondition = """
        m.business_id = :business AND m.date BETWEEN :from::date AND :through::date
          AND (:branch::uuid IS NULL OR m.branch_id = :branch)
        """

    static let days = PostgresStatement(
        "analytics.days",
        named: """
            SELECT m.date::text AS date, m.branch_id, m.currency, m.orders_count, m.revenue_total, m.cancelled_count,
                   m.open_count, m.hourly_orders::text AS hourly, m.completion_seconds::text AS completion,
                   m.accept_seconds::text AS accept,
                   m.languages::text AS languages
            FROM daily_business_metrics m WHERE \(rangeCondition)
            ORDER BY m.date, m.branch_id
            """
    )
    static let tallies = """
        WITH tallies AS (
            SELECT t.item_id, sum(t.quantity)::int AS quantity, sum(t.revenue) AS revenue
            FROM daily_business_metrics m
            CROSS JOIN LATERAL unnest(m.item_ids, m.item_quantities, m.item_revenue) AS t(item_id, quantity, revenue)
            WHERE \(rangeCondition) GROUP BY t.item_id
        )
        """
    /// The most ordered items with their names (the latest day's) and options, all from the arrays
    /// but the names.
    static let items = PostgresStatement(
        "analytics.items",
        named: """
            \(tallies), top AS (
                SELECT * FROM tallies ORDER BY quantity DESC, revenue DESC, item_id LIMIT :limit
            ), names AS (
                SELECT top.item_id, (
                    SELECT m.items -> top.item_id::text ->> 'name' FROM daily_business_metrics m
                    WHERE \(rangeCondition) AND top.item_id = ANY (m.item_ids) ORDER BY m.date DESC LIMIT 1) AS name
                FROM top
            ), options AS (
                SELECT o.item_id, o.option, sum(o.count)::int AS count
                FROM daily_business_metrics m
                CROSS JOIN LATERAL unnest(m.option_item_ids, m.option_names, m.option_counts) AS o(item_id, option, count)
                WHERE \(rangeCondition) AND o.item_id IN (SELECT item_id FROM top)
                GROUP BY o.item_id, o.option
            ), lists AS (
                SELECT item_id, jsonb_agg(jsonb_build_array(option, count) ORDER BY count DESC, option) AS options
                FROM options GROUP BY item_id
            )
            SELECT top.item_id::text AS item_id, top.quantity, top.revenue, n.name,
                   coalesce(l.options, '[]')::text AS options
            FROM top LEFT JOIN names n ON n.item_id = top.item_id LEFT JOIN lists l ON l.item_id = top.item_id
            ORDER BY top.quantity DESC, top.revenue DESC, top.item_id
            """
    )
    /// Every item's sums alone (for a range compared with: no names, no options).
    static let itemTotals = PostgresStatement(
        "analytics.item_totals",
        named: """
            \(tallies)
            SELECT item_id::text AS item_id, quantity, revenue, NULL::text AS name, '[]' AS options
            FROM tallies ORDER BY quantity DESC, revenue DESC, item_id
            """
    )
    /// Each customer's order-days from 30 days before the range to its end: what the spenders,
    /// the repeat and the returning customers are counted from.
    /// Each customer's days (a branch's day each: the same day at two branches is one visit, its
    /// gap 0), with the gap since their previous day; no grouping by day first (it was half the
    /// statement's time over a year), and "ordered on two days or more" as first day < last day
    /// instead of counting distinct days.
    static let visits = """
        WITH visits AS (
            SELECT c.customer, m.date, c.orders, c.spent
            FROM daily_business_metrics m
            CROSS JOIN LATERAL unnest(m.customer_keys, m.customer_orders, m.customer_spent) AS c(customer, orders, spent)
            WHERE m.business_id = :business AND m.date BETWEEN :from::date - 30 AND :through::date
              AND (:branch::uuid IS NULL OR m.branch_id = :branch)
        ), gaps AS (
            SELECT v.*, v.date - lag(v.date) OVER (PARTITION BY v.customer ORDER BY v.date) AS gap FROM visits v
        ), customers AS (
            SELECT customer, sum(orders) FILTER (WHERE date >= :from::date)::int AS orders,
                   sum(spent) FILTER (WHERE date >= :from::date) AS spent,
                   min(date) FILTER (WHERE date >= :from::date) < max(date) AS several_days,
                   max(date) AS last_date,
                   bool_or(date >= :from::date AND gap BETWEEN 1 AND 30) AS returned
            FROM gaps GROUP BY customer HAVING count(*) FILTER (WHERE date >= :from::date) > 0
        )
        """
    /// The customers' counts (on every row) and the biggest spenders, from one reading of the visits.
    static let customers = PostgresStatement(
        "analytics.customers",
        named: """
            \(visits), counted AS (
                SELECT c.*, count(*) OVER () AS total,
                       count(*) FILTER (WHERE c.several_days OR s.first_date < :from::date) OVER () AS repeating,
                       count(*) FILTER (WHERE c.returned) OVER () AS returning
                FROM customers c
                LEFT JOIN business_customers_seen s ON s.business_id = :business AND s.customer = c.customer
            ), top AS (
                SELECT * FROM counted ORDER BY spent DESC, orders DESC, customer LIMIT :limit
            )
            SELECT t.customer, t.orders, t.spent, t.last_date::text AS last_date, t.total::int AS total,
                   t.repeating::int AS repeating, t.returning::int AS returning,
                   (SELECT coalesce(w.profile_name, w.username) FROM whatsapp_customers w
                    WHERE w.business_id = :business AND (w.wa_id = t.customer OR 'user:' || w.user_id = t.customer)
                    ORDER BY w.last_inbound_at DESC NULLS LAST LIMIT 1) AS name
            FROM top t ORDER BY t.spent DESC, t.orders DESC, t.customer
            """
    )
    /// The customers' counts alone (for a range compared with: no spenders, no returning).
    static let customerTotals = PostgresStatement(
        "analytics.customer_totals",
        named: """
            WITH customers AS (
                SELECT c.customer, min(m.date) < max(m.date) AS several_days
                FROM daily_business_metrics m
                CROSS JOIN LATERAL unnest(m.customer_keys) AS c(customer)
                WHERE \(rangeCondition) GROUP BY c.customer
            )
            SELECT count(*)::int AS total,
                   count(*) FILTER (WHERE c.several_days OR s.first_date < :from::date)::int AS repeating
            FROM customers c
            LEFT JOIN business_customers_seen s ON s.business_id = :business AND s.customer = c.customer
            """
    )
    /// Room for the report's sorts and hashes in memory (a year of one business is a few MB).
    static let memory = PostgresStatement("analytics.memory", "SELECT set_config('work_mem', '64MB', true)")

    /// Which rows a reading may see: a business's scope (row-level security), or the platform's
    /// own (the benchmark, the rollup's tests). The admin path reads in one transaction of its own
    /// (`figures(…, on:)`), so that its request is recorded once.
    public enum Reader: Sendable {
        case business(UUID)
        case platform

        /// `body` in a transaction that sees what this reader may.
        func transaction<Value: Sendable>(
            _ pool: PostgresPool,
            _ body: @Sendable (PostgresConnection) async throws -> Value
        ) async throws -> Value {
            switch self {
            case .business(let id): try await pool.withBusiness(id, body)
            case .platform: try await pool.withTransaction(body)
            }
        }
    }

    /// What `range` came to for `business` (one branch, or all), each list cut at `limit`. Without
    /// `detailed` (a range compared with), items are every item's sums, without names or options,
    /// and customers only counted. The days, the items and the customers are read side by side,
    /// each in a transaction of its own.
    public static func figures(
        business: UUID,
        range: Range,
        branch: UUID?,
        limit: Int = 20,
        detailed: Bool = true,
        reader: Reader,
        pool: PostgresPool
    ) async throws -> Figures {
        let query = Query(business: business, range: range, branch: branch, limit: limit, detailed: detailed)
        @Sendable func run<Value: Sendable>(
            _ body: @Sendable (PostgresConnection) async throws -> Value
        ) async throws
            -> Value
        {
            try await reader.transaction(pool) { connection in
                try await connection.query(memory)
                return try await body(connection)
            }
        }
        async let days = run { try await query.days(on: $0) }
        async let items = run { try await query.items(on: $0) }
        async let customers = run { try await query.customers(on: $0) }
        var result = Figures()
        (result.days, result.items, (result.customers, result.spenders)) = try await (days, items, customers)
        return result
    }

    /// The same, one part after the other on `connection`.
    public static func figures(
        business: UUID,
        range: Range,
        branch: UUID?,
        limit: Int = 20,
        detailed: Bool = true,
        on connection: PostgresConnection
    ) async throws -> Figures {
        try await connection.query(memory)
        return try await figures(
            Query(business: business, range: range, branch: branch, limit: limit, detailed: detailed),
            on: connection
        )
    }

    static func figures(_ query: Query, on connection: PostgresConnection) async throws -> Figures {
        var figures = Figures()
        figures.days = try await query.days(on: connection)
        figures.items = try await query.items(on: connection)
        (figures.customers, figures.spenders) = try await query.customers(on: connection)
        return figures
    }

    /// One reading's parameters, and its three parts.
    struct Query: Sendable {
        let business: UUID
        let range: Range
        let branch: UUID?
        let limit: Int
        let detailed: Bool

        var bindings: PostgresBindings {
            ["business": business, "from": range.from.text, "through": range.through.text, "branch": branch]
        }
        var limited: PostgresBindings {
            var bindings = bindings
            bindings.values["limit"] = limit
            return bindings
        }

        func days(on connection: PostgresConnection) async throws -> [Day] {
            try await connection.query(Analytics.days, bindings).map { row in
                Day(
                    date: LocalDate(try row.decode(String.self, "date"))!,
                    branch: try row.decode(UUID.self, "branch_id"),
                    currency: try row.decode(String.self, "currency"),
                    orders: try row.decode(Int.self, "orders_count"),
                    revenue: try row.decode(Decimal.self, "revenue_total"),
                    cancelled: try row.decode(Int.self, "cancelled_count"),
                    open: try row.decode(Int.self, "open_count"),
                    hourly: Analytics.integers(try row.decode(String.self, "hourly")),
                    completionSeconds: Analytics.integers(try row.decode(String.self, "completion")),
                    acceptSeconds: Analytics.integers(try row.decode(String.self, "accept")),
                    languages: (try? JSONDecoder().decode(
                        [String: Int].self,
                        from: Data(try row.decode(String.self, "languages").utf8)
                    )) ?? [:]
                )
            }
        }

        func items(on connection: PostgresConnection) async throws -> [Item] {
            let rows = try await connection.query(
                detailed ? Analytics.items : Analytics.itemTotals,
                detailed ? limited : bindings
            )
            return try rows.map { row in
                let options =
                    (try? JSONSerialization.jsonObject(with: Data(try row.decode(String.self, "options").utf8)))
                    as? [[Any]] ?? []
                return Item(
                    id: try row.decode(String.self, "item_id"),
                    name: try row.decode(String?.self, "name") ?? "",
                    quantity: try row.decode(Int.self, "quantity"),
                    revenue: try row.decode(Decimal.self, "revenue"),
                    options: options.compactMap { pair in
                        guard pair.count == 2, let name = pair[0] as? String, let count = pair[1] as? Int else {
                            return nil
                        }
                        return (name, count)
                    }
                )
            }
        }

        func customers(on connection: PostgresConnection) async throws -> (Customers, [Spender]) {
            guard detailed else {
                let totals = try await connection.query(Analytics.customerTotals, bindings)[0]
                return (
                    Customers(
                        count: try totals.decode(Int.self, "total"),
                        repeating: try totals.decode(Int.self, "repeating"),
                        returningWithin30Days: 0
                    ), []
                )
            }
            let rows = try await connection.query(Analytics.customers, limited)
            var counts = Customers()
            if let first = rows.first {
                counts = Customers(
                    count: try first.decode(Int.self, "total"),
                    repeating: try first.decode(Int.self, "repeating"),
                    returningWithin30Days: try first.decode(Int.self, "returning")
                )
            }
            let spenders = try rows.map { row in
                Spender(
                    customer: try row.decode(String.self, "customer"),
                    name: try row.decode(String?.self, "name"),
                    orders: try row.decode(Int.self, "orders"),
                    spent: try row.decode(Decimal.self, "spent"),
                    lastOrder: LocalDate(try row.decode(String.self, "last_date"))!
                )
            }
            return (counts, spenders)
        }
    }

    /// `{1,2,3}` as integers.
    static func integers(_ text: String) -> [Int] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { Int($0) }
    }
}

extension Analytics {
    /// What SPEC §2.9 gates analytics on: the business's plan as an admin set it.
    public struct Plan: Sendable, Equatable {
        public let type: String
        public let status: String
        public let endsAt: Date?

        /// Premium, active, and its period not over.
        public func premium(at now: Date = Date()) -> Bool {
            type == "premium" && status == "active" && (endsAt.map { $0 > now } ?? true)
        }
    }

    static let plan = PostgresStatement(
        "analytics.plan",
        """
        SELECT coalesce(subscription_type::text, 'standard') AS type,
               coalesce(subscription_status::text, 'active') AS status, subscription_ends_at
        FROM users WHERE id = $1
        """
    )

    /// The business's plan, or nil when there is no such business (in this scope).
    public static func plan(of business: UUID, on connection: PostgresConnection) async throws -> Plan? {
        try await connection.query(plan, [business]).first.map { row in
            Plan(
                type: try row.decode(String.self, "type"),
                status: try row.decode(String.self, "status"),
                endsAt: try row.decode(Date?.self, "subscription_ends_at")
            )
        }
    }
}

extension Analytics {
    static let computedAt = PostgresStatement(
        "analytics.computed_at",
        "SELECT max(computed_at) AS at FROM daily_business_metrics WHERE business_id = $1 AND date = $2::date"
    )

    /// When a business's date was last rolled up (nil: never, or it had no orders).
    public static func computedAt(business: UUID, date: LocalDate, pool: PostgresPool) async throws -> Date? {
        try await pool.query(computedAt, [business, date.text]).first?.decode(Date?.self, "at")
    }

    static let branchNames = PostgresStatement(
        "analytics.branch_names",
        "SELECT id, branch_name FROM branches WHERE business_id = $1"
    )

    /// A business's branch names by id (deleted ones too: their history stays).
    public static func branchNames(business: UUID, pool: PostgresPool) async throws -> [UUID: String] {
        Dictionary(
            try await pool.query(branchNames, [business]).map {
                (try $0.decode(UUID.self, "id"), try $0.decode(String.self, "branch_name"))
            }
        ) { first, _ in first }
    }
}

extension Analytics {
    /// `EXPLAIN (ANALYZE, BUFFERS)` of each statement `figures` runs for `range`, slowest first:
    /// its name, its execution time in milliseconds and its plan (for the benchmark's report).
    public static func plans(
        business: UUID,
        range: Range,
        on connection: PostgresConnection
    ) async throws -> [(name: String, milliseconds: Double, plan: String)] {
        var bindings: PostgresBindings = [
            "business": business, "from": range.from.text, "through": range.through.text, "branch": nil as UUID?,
        ]
        var plans: [(String, Double, String)] = []
        try await connection.query(memory)
        for statement in [days, items, customers] {
            if statement.parameterNames?.contains("limit") == true {
                bindings.values["limit"] = 20
            } else {
                bindings.values.removeValue(forKey: "limit")
            }
            let explain = PostgresStatement(
                statement.name + ".explain",
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement.sql,
                prepared: false
            )
            let lines = try await connection.query(explain, try bindings.ordered(for: statement)).map {
                try $0.decode(String.self, at: 0)
            }
            let time =
                lines.last { $0.hasPrefix("Execution Time:") }
                .flatMap { Double($0.split(separator: " ")[2]) } ?? 0
            plans.append((statement.name, time, lines.joined(separator: "\n")))
        }
        return plans.sorted { $0.1 > $1.1 }
    }
}
