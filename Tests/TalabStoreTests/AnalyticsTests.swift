import Foundation
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// The analytics reports, made from the daily rollup, checked against SQL computed another way:
/// straight from the orders themselves (live rows and archived documents), over a generated
/// history of two branches, many customers, items with options, four languages, cancelled and
/// open orders, part of it archived.
@Suite struct AnalyticsTests {
    static let beirut = TimeZone(identifier: "Asia/Beirut")!
    /// Every order of the restaurant, live or archived, as SQL reads it without the rollup.
    static let everyOrder = """
        WITH every_order AS (
            SELECT o.id, o.branch_id, o.status::text AS status, o.total, o.created_at, o.completed_at,
                   o.language_used::text AS language, coalesce(o.customer_phone_number, o.whatsapp_user_id) AS customer,
                   (o.created_at AT TIME ZONE 'Asia/Beirut')::date AS day
            FROM orders o JOIN users u ON u.id = o.business_id WHERE u.slug = 'abu-salim-grill'
            UNION ALL
            SELECT l.id, (l.body #>> '{order,branch_id}')::uuid, l.body #>> '{order,status}',
                   (l.body #>> '{order,total}')::numeric, l.at, (l.body #>> '{order,completed_at}')::timestamptz,
                   l.body #>> '{order,language}',
                   coalesce(l.body #>> '{customer,phone_number}', l.body #>> '{customer,whatsapp_user_id}'),
                   (l.at AT TIME ZONE 'Asia/Beirut')::date
            FROM history.order_logs l JOIN users u ON u.id = l.business_id WHERE u.slug = 'abu-salim-grill'
        ), chosen AS (SELECT * FROM every_order WHERE day BETWEEN $1::date AND $2::date)
        """

    static func sql(_ database: CatalogDatabase, _ query: String, _ range: Analytics.Range) async throws -> PostgresRows
    {
        try await database.pool.query(
            PostgresStatement("test.independent", everyOrder + query, prepared: false),
            [range.from.text, range.through.text]
        )
    }

    @Test func everyReportAgreesWithTheOrdersThemselves() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        let (first, today) = try await GeneratedHistory.make(database.pool)
        let business = try await BusinessDirectory.businesses(database.pool).first { $0.slug == "abu-salim-grill" }!
        for range in [
            Analytics.Range(from: today.offset(-29), through: today), Analytics.Range(from: first, through: today),
            Analytics.Range(from: today.offset(-6), through: today),
        ] {
            // The range read as the dashboard does (its parts side by side), the previous one on one connection.
            let figures = try await Analytics.figures(
                business: business.id,
                range: range,
                branch: nil,
                reader: .platform,
                pool: database.pool
            )
            let previous = try await database.pool.withTransaction { connection in
                (try await Analytics.figures(
                    business: business.id,
                    range: range.previous,
                    branch: nil,
                    detailed: false,
                    on: connection
                ))
            }
            let report = AnalyticsReport(
                range: range,
                figures: figures,
                previous: previous,
                currency: "USD",
                branchNames: [:]
            )
            let totals = try await AnalyticsTests.sql(
                database,
                """
                SELECT count(*) FILTER (WHERE status = 'completed')::int AS orders,
                       coalesce(sum(total) FILTER (WHERE status = 'completed'), 0)::text AS revenue,
                       count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
                       count(DISTINCT customer) FILTER (WHERE status = 'completed')::int AS customers,
                       percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)::int)
                           FILTER (WHERE status = 'completed') AS p50,
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)::int)
                           FILTER (WHERE status = 'completed') AS p90
                FROM chosen
                """,
                range
            )[0]
            let days = range.days
            #expect(report.summary.orders.value == (try totals.decode(Int.self, "orders")), "\(days) days")
            #expect(
                report.summary.revenue.value == Decimal(string: try totals.decode(String.self, "revenue")),
                "\(days)"
            )
            #expect(report.summary.cancelled.value == (try totals.decode(Int.self, "cancelled")), "\(days)")
            #expect(report.repeatCustomers.customers == (try totals.decode(Int.self, "customers")), "\(days)")
            #expect(report.completion.p50Seconds == (try totals.decode(Int?.self, "p50")), "\(days)")
            #expect(report.completion.p90Seconds == (try totals.decode(Int?.self, "p90")), "\(days)")
            #expect(report.summary.orders.value > 0)

            // Items: quantity and revenue of each, from the lines of completed orders (options priced in).
            let items = try await AnalyticsTests.sql(
                database,
                """
                , lines AS (
                    SELECT i.item_id::text AS item, i.quantity, i.quantity * (i.price_at_time + coalesce(
                        (SELECT sum(p.price_delta_at_time) FROM order_item_options p WHERE p.order_item_id = i.id), 0)) AS revenue
                    FROM order_items i JOIN chosen c ON c.id = i.order_id WHERE c.status = 'completed'
                    UNION ALL
                    SELECT line ->> 'item_id', (line ->> 'quantity')::int, (line ->> 'quantity')::int * ((line ->> 'price')::numeric
                        + coalesce((SELECT sum((p ->> 'price_delta')::numeric) FROM jsonb_array_elements(line -> 'options') p), 0))
                    FROM history.order_logs l JOIN chosen c ON c.id = l.id
                    CROSS JOIN LATERAL jsonb_array_elements(l.body -> 'items') line WHERE c.status = 'completed'
                )
                SELECT item, sum(quantity)::int AS quantity, sum(revenue)::text AS revenue FROM lines GROUP BY item
                """,
                range
            )
            let expected = Dictionary(
                uniqueKeysWithValues: try items.map {
                    (
                        try $0.decode(String.self, "item"),
                        (try $0.decode(Int.self, "quantity"), try $0.decode(String.self, "revenue"))
                    )
                }
            )
            #expect(!report.items.isEmpty)
            for row in report.items {
                #expect(expected[row.item.id]?.0 == row.item.quantity, "\(row.item.name)")
                #expect(expected[row.item.id].flatMap { Decimal(string: $0.1) } == row.item.revenue, "\(row.item.name)")
            }
            #expect(report.items.map(\.item.quantity) == report.items.map(\.item.quantity).sorted(by: >))
            // The quantity before is the previous range's (every item's sums are read for it).
            let before = try await AnalyticsTests.sql(
                database,
                """
                SELECT sum(i.quantity)::int FROM order_items i JOIN every_order o ON o.id = i.order_id
                WHERE o.status = 'completed' AND o.day BETWEEN $1::date - \(range.days) AND $1::date - 1
                  AND i.item_id::text = '\(report.items[0].item.id)'
                """,
                range
            )[0].decode(Int?.self, at: 0)
            let archivedBefore = try await AnalyticsTests.sql(
                database,
                """
                SELECT sum((line ->> 'quantity')::int)::int FROM history.order_logs l JOIN every_order o ON o.id = l.id
                CROSS JOIN LATERAL jsonb_array_elements(l.body -> 'items') line
                WHERE o.status = 'completed' AND o.day BETWEEN $1::date - \(range.days) AND $1::date - 1
                  AND line ->> 'item_id' = '\(report.items[0].item.id)'
                """,
                range
            )[0].decode(Int?.self, at: 0)
            let customersBefore = try await AnalyticsTests.sql(
                database,
                """
                SELECT count(DISTINCT customer)::int FROM every_order
                WHERE status = 'completed' AND day BETWEEN $1::date - \(range.days) AND $1::date - 1
                """,
                range
            )[0].decode(Int.self, at: 0)
            #expect(report.summary.customers.previous == customersBefore, "\(days)")
            let expectedBefore = (before ?? 0) + (archivedBefore ?? 0)
            #expect(report.items[0].previousQuantity == (expectedBefore == 0 ? nil : expectedBefore), "\(days)")
            #expect(report.items.first?.item.quantity == expected.values.map(\.0).max())

            // Biggest spenders.
            let spenders = try await AnalyticsTests.sql(
                database,
                """
                SELECT customer, count(*)::int AS orders, sum(total)::text AS spent, max(day)::text AS last
                FROM chosen WHERE status = 'completed' GROUP BY customer ORDER BY sum(total) DESC, count(*) DESC, customer LIMIT 5
                """,
                range
            )
            #expect(report.spenders.count >= spenders.count && spenders.count == 5)
            for (row, spender) in zip(spenders, report.spenders) {
                #expect(spender.customer == (try row.decode(String.self, "customer")))
                #expect(spender.orders == (try row.decode(Int.self, "orders")))
                #expect(spender.spent == Decimal(string: try row.decode(String.self, "spent")))
                #expect(spender.lastOrder.text == (try row.decode(String.self, "last")))
            }

            // Repeat customers: ordered before the range or on two days of it; returning: again within 30 days.
            let repeating = try await AnalyticsTests.sql(
                database,
                """
                , done AS (SELECT DISTINCT customer, day FROM every_order WHERE status = 'completed'),
                per AS (
                    SELECT customer, count(*) FILTER (WHERE day BETWEEN $1::date AND $2::date) AS days_in,
                           bool_or(day < $1::date) AS before,
                           bool_or(day BETWEEN $1::date AND $2::date AND EXISTS (
                               SELECT 1 FROM done earlier WHERE earlier.customer = done.customer
                                 AND earlier.day < done.day AND earlier.day >= done.day - 30)) AS returned
                    FROM done GROUP BY customer
                )
                SELECT count(*) FILTER (WHERE days_in > 0 AND (days_in >= 2 OR before))::int AS repeating,
                       count(*) FILTER (WHERE days_in > 0 AND returned)::int AS returning
                FROM per
                """,
                range
            )[0]
            #expect(report.repeatCustomers.repeating == (try repeating.decode(Int.self, "repeating")), "\(days)")
            #expect(
                report.repeatCustomers.returningWithin30Days == (try repeating.decode(Int.self, "returning")),
                "\(days)"
            )
            #expect(report.repeatCustomers.repeating > 0)

            // Reply time: placed → accepted, from the status changes (live) and the timelines (archived).
            let reply = try await AnalyticsTests.sql(
                database,
                """
                , accepted AS (
                    SELECT extract(epoch FROM h.changed_at - c.created_at)::int AS seconds
                    FROM order_status_history h JOIN chosen c ON c.id = h.order_id WHERE h.status = 'accepted'
                    UNION ALL
                    SELECT extract(epoch FROM (step ->> 'at')::timestamptz - c.created_at)::int
                    FROM history.order_logs l JOIN chosen c ON c.id = l.id
                    CROSS JOIN LATERAL jsonb_array_elements(l.body -> 'timeline') step WHERE step ->> 'status' = 'accepted'
                )
                SELECT count(*)::int AS n, percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
                FROM accepted
                """,
                range
            )[0]
            #expect(
                report.replyTime.orders == (try reply.decode(Int.self, "n")) && report.replyTime.orders > 0,
                "\(days)"
            )
            #expect(report.replyTime.p50Seconds == (try reply.decode(Int?.self, "p50")), "\(days)")
            #expect(report.replyTime.p90Seconds == (try reply.decode(Int?.self, "p90")), "\(days)")

            // Languages, hour × weekday, branches.
            let languages = try await AnalyticsTests.sql(
                database,
                "SELECT language, count(*)::int AS n FROM chosen GROUP BY language",
                range
            )
            for row in languages {
                let language = try row.decode(String.self, "language")
                #expect(
                    report.languages.first { $0.language == language }?.orders == (try row.decode(Int.self, "n")),
                    "\(language)"
                )
            }
            let heat = try await AnalyticsTests.sql(
                database,
                """
                SELECT (extract(isodow FROM day)::int - 1) AS weekday,
                       extract(hour FROM created_at AT TIME ZONE 'Asia/Beirut')::int AS hour, count(*)::int AS n
                FROM chosen GROUP BY 1, 2
                """,
                range
            )
            #expect(heat.count > 10)
            for row in heat {
                let count = report.heat[try row.decode(Int.self, "weekday")][try row.decode(Int.self, "hour")]
                #expect(count == (try row.decode(Int.self, "n")))
            }
            let placed = try await AnalyticsTests.sql(database, "SELECT count(*)::int FROM chosen", range)[0]
            #expect(report.heat.joined().reduce(0, +) == (try placed.decode(Int.self, at: 0)))
            let branches = try await AnalyticsTests.sql(
                database,
                """
                SELECT branch_id, coalesce(sum(total) FILTER (WHERE status = 'completed'), 0)::text AS revenue,
                       count(*) FILTER (WHERE status = 'completed')::int AS orders
                FROM chosen GROUP BY branch_id
                """,
                range
            )
            #expect(branches.count == report.branches.count)
            for row in branches {
                let branch = report.branches.first { $0.branch == (try? row.decode(UUID.self, "branch_id")) }
                #expect(branch?.orders == (try row.decode(Int.self, "orders")))
                #expect(branch?.revenue.value == Decimal(string: try row.decode(String.self, "revenue")))
            }
            #expect(report.byDay.count == days)
            #expect(report.byDay.map(\.revenue).reduce(0, +) == report.summary.revenue.value)
            #expect(report.byWeek.map(\.orders).reduce(0, +) == report.summary.orders.value)
        }
    }
}

/// The conversation summary (the funnel, what customers asked for and did not get, the orders lost
/// to an unavailable item or a pause) checked against the same figures counted in Swift over
/// generated events.
@Suite struct ConversationSummaryTests {
    struct Event {
        var branch: UUID
        var customer: String
        var at: Date
        var kind: ConversationEvents.Kind
        var detail: String?
    }

    @Test func theSummaryCountsWhatTheEventsSay() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        let business = try await BusinessDirectory.businesses(database.pool).first { $0.slug == "abu-salim-grill" }!
        let branches = try await database.pool.query(
            PostgresStatement(
                "test.branches",
                "SELECT b.id FROM branches b JOIN users u ON u.id = b.business_id WHERE u.slug = 'abu-salim-grill' ORDER BY b.key",
                prepared: false
            )
        ).map { try $0.decode(UUID.self, "id") }
        var generator = SeededGenerator(seed: 23)
        let texts = ["pizza", "Pizza", "burger", "sushi?", "بيتزا", "wein l ma7al", "PIZZA"]
        let items = ["Hummus", "hummus", "Kafta Sandwich", "Fattoush"]
        let kinds: [ConversationEvents.Kind] = [
            .started, .started, .cart, .cart, .confirmed, .confirmed, .notUnderstood, .unavailable, .unavailable,
            .paused, .handOff,
        ]
        let start = Date(timeIntervalSinceNow: -10 * 86_400)
        let events = (0..<700).map { _ in
            let kind = kinds[Int.random(in: 0..<kinds.count, using: &generator)]
            return Event(
                branch: branches[Int.random(in: 0..<2, using: &generator)],
                customer: "9617100\(String(format: "%04d", Int.random(in: 0..<15, using: &generator)))",
                at: start.addingTimeInterval(Double(Int.random(in: 0..<(10 * 86_400), using: &generator))),
                kind: kind,
                detail: kind == .notUnderstood
                    ? texts[Int.random(in: 0..<texts.count, using: &generator)]
                    : kind == .unavailable ? items[Int.random(in: 0..<items.count, using: &generator)] : nil
            )
        }
        try await database.pool.withTransaction { connection in
            for event in events {
                try await connection.query(
                    PostgresStatement(
                        "test.event",
                        "INSERT INTO conversation_events (business_id, branch_id, customer, at, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
                        prepared: false
                    ),
                    [business.id, event.branch, event.customer, event.at, event.kind.rawValue, event.detail]
                )
            }
        }
        let beirut = TimeZone(identifier: "Asia/Beirut")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = beirut
        // Whole range, one branch, and a range cut in the middle of days.
        for (from, until, branch) in [
            (start, Date(timeIntervalSinceNow: 1), nil as UUID?),
            (start, Date(timeIntervalSinceNow: 1), branches[1]),
            (start.addingTimeInterval(2.5 * 86_400), start.addingTimeInterval(7.25 * 86_400), nil),
        ] {
            let chosen = events.filter { $0.at >= from && $0.at < until && (branch == nil || $0.branch == branch) }
            var counts: [String: Int] = [:]
            var asked: [String: [String: Int]] = [:]
            for event in chosen {
                counts[event.kind.rawValue, default: 0] += 1
                if let detail = event.detail {
                    asked[event.kind.rawValue, default: [:]][detail.lowercased(), default: 0] += 1
                }
            }
            // A customer's day that met an unavailable item (or a pause) is lost unless the customer
            // confirmed an order (in any branch, at any time) from its first such moment until two
            // hours after its last.
            var missed: [String: Int] = [:]
            var lost: [String: Int] = [:]
            let grouped = Dictionary(grouping: chosen.filter { $0.kind == .unavailable || $0.kind == .paused }) {
                "\($0.customer) \($0.kind.rawValue) \(calendar.startOfDay(for: $0.at))"
            }
            for group in grouped.values {
                let first = group.map(\.at).min()!
                let last = group.map(\.at).max()!
                let kind = group[0].kind.rawValue
                missed[kind, default: 0] += 1
                let ordered = events.contains {
                    $0.kind == .confirmed && $0.customer == group[0].customer && $0.at >= first
                        && $0.at < last.addingTimeInterval(7_200)
                }
                if !ordered { lost[kind, default: 0] += 1 }
            }
            let summary = try await database.pool.withTransaction { connection in
                try await ConversationEvents.summary(
                    business: business.id,
                    from: from,
                    until: until,
                    branch: branch,
                    zone: "Asia/Beirut",
                    on: connection
                )
            }
            #expect(summary.counts == counts)
            #expect(summary.missed == missed)
            #expect(summary.lost == lost)
            #expect(lost.values.reduce(0, +) > 0 && lost != missed, "the generated events lose some orders, not all")
            #expect(
                Dictionary(uniqueKeysWithValues: summary.notUnderstood.map { ($0.text, $0.count) })
                    == asked["not_understood"]
            )
            #expect(
                Dictionary(uniqueKeysWithValues: summary.unavailable.map { ($0.item, $0.count) })
                    == asked["unavailable"]
            )
            // Most asked first.
            #expect(summary.notUnderstood.map(\.count) == summary.notUnderstood.map(\.count).sorted(by: >))
        }
    }
}
