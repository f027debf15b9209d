import Foundation
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// The nightly rollup: the business's own days, live and archived orders alike, checked against
/// SQL computed independently over the same orders.
@Suite struct MetricsRollupTests {
    static let beirut = TimeZone(identifier: "Asia/Beirut")!

    /// Places an order as `phone`, dated `placed`, moved to `status` (completed 20 minutes later).
    static func order(
        _ store: OrderStore,
        _ placement: OrderStore.Placement,
        _ cart: Cart,
        phone: String,
        placed: Date,
        status: OrderStatus
    ) async throws -> UUID {
        var placement = placement
        placement.customerPhone = phone
        let id = try await ExampleOrder.finished(store, placement, cart, to: status, hoursAgo: 0)
        try await store.pool.query(
            PostgresStatement(
                "test.redate",
                """
                UPDATE orders SET created_at = $2,
                    completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE $2 + interval '20 minutes' END,
                    cancelled_at = CASE WHEN cancelled_at IS NULL THEN NULL ELSE $2 + interval '5 minutes' END
                WHERE id = $1
                """,
                prepared: false
            ),
            [id, placed]
        )
        return id
    }

    static func row(_ database: CatalogDatabase, _ date: String) async throws -> PostgresRow? {
        try await database.pool.query(
            PostgresStatement(
                "test.metrics",
                """
                SELECT orders_count, revenue_total::text AS revenue, cancelled_count, open_count, repeat_customers_count,
                       customers_count, hourly_orders::text AS hourly, peak_hours::text AS peaks,
                       completion_p50_seconds AS p50, languages::text AS languages, top_items::text AS top
                FROM daily_business_metrics WHERE date = $1::date
                """,
                prepared: false
            ),
            [date]
        ).first
    }

    /// The 23- and 25-hour days of a year in Beirut.
    static func changeDays(_ year: Int) -> (short: LocalDate, long: LocalDate) {
        var short: LocalDate?
        var long: LocalDate?
        var date = LocalDate(year: year, month: 1, day: 1)!
        while date.year == year {
            let (start, end) = date.bounds(in: beirut)!
            let hours = end.timeIntervalSince(start) / 3600
            if hours == 23 { short = date }
            if hours == 25 { long = date }
            date = date.next
        }
        return (short!, long!)
    }

    @Test func aDSTNightAndAPastMidnightOrderLandOnTheirOwnLocalDates() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        let business = try #require(
            try await BusinessDirectory.businesses(database.pool, slug: "abu-salim-grill").first
        )
        let (short, long) = MetricsRollupTests.changeDays(2026)
        let (longStart, longEnd) = long.bounds(in: MetricsRollupTests.beirut)!
        #expect(longEnd.timeIntervalSince(longStart) == 25 * 3600)
        // The 25-hour day: one order in its last hour (24 h after its midnight) is still that day.
        _ = try await MetricsRollupTests.order(
            store,
            placement,
            cart,
            phone: "96170000001",
            placed: longStart.addingTimeInterval(24.5 * 3600),
            status: .completed
        )
        // The 23-hour day starts an hour late; an order 30 minutes after its start.
        let (shortStart, _) = short.bounds(in: MetricsRollupTests.beirut)!
        _ = try await MetricsRollupTests.order(
            store,
            placement,
            cart,
            phone: "96170000002",
            placed: shortStart.addingTimeInterval(1800),
            status: .completed
        )
        // A late service: 23:50 on one day and 00:30 on the next.
        let night = LocalDate(year: 2026, month: 11, day: 20)!
        let (nightStart, nightEnd) = night.bounds(in: MetricsRollupTests.beirut)!
        _ = try await MetricsRollupTests.order(
            store,
            placement,
            cart,
            phone: "96170000003",
            placed: nightEnd.addingTimeInterval(-600),
            status: .completed
        )
        _ = try await MetricsRollupTests.order(
            store,
            placement,
            cart,
            phone: "96170000003",
            placed: nightEnd.addingTimeInterval(1800),
            status: .completed
        )
        #expect(nightStart < nightEnd)
        let rollup = MetricsRollup(pool: database.pool, history: PostgresLogStore(pool: database.pool))
        for date in [short, long, night, night.next] { try await rollup.rollup(business: business, date: date) }

        let longRow = try #require(try await MetricsRollupTests.row(database, long.text))
        #expect(try longRow.decode(Int.self, "orders_count") == 1)
        // 24.5 hours after a midnight that repeats 23:00 is 23:30 by the wall clock.
        #expect(try longRow.decode(String.self, "peaks") == "{23}")
        let shortRow = try #require(try await MetricsRollupTests.row(database, short.text))
        #expect(try shortRow.decode(String.self, "peaks") == "{1}")
        let first = try #require(try await MetricsRollupTests.row(database, night.text))
        let second = try #require(try await MetricsRollupTests.row(database, night.next.text))
        #expect(try first.decode(String.self, "peaks") == "{23}" && second.decode(String.self, "peaks") == "{0}")
        // The same customer the next day is a repeat customer; the first time is not.
        #expect(try first.decode(Int.self, "repeat_customers_count") == 0)
        #expect(try second.decode(Int.self, "repeat_customers_count") == 1)
        #expect(try second.decode(Int?.self, "p50") == 20 * 60)
    }

    @Test func liveAndArchivedOrdersCountAlikeAndMatchAnIndependentSQLSum() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        let business = try #require(
            try await BusinessDirectory.businesses(database.pool, slug: "abu-salim-grill").first
        )
        let day = LocalDate(year: 2026, month: 11, day: 3)!
        let (start, _) = day.bounds(in: MetricsRollupTests.beirut)!
        let plan: [(String, Double, OrderStatus)] = [
            ("96170000010", 12.25, .completed), ("96170000011", 12.5, .completed), ("96170000010", 19.1, .completed),
            ("96170000012", 19.4, .cancelled), ("96170000013", 19.6, .ready), ("96170000014", 20.0, .completed),
        ]
        for (phone, hour, status) in plan {
            _ = try await MetricsRollupTests.order(
                store,
                placement,
                cart,
                phone: phone,
                placed: start.addingTimeInterval(hour * 3600),
                status: status
            )
        }
        let expected = try await database.pool.query(
            PostgresStatement(
                "test.expected",
                """
                SELECT coalesce(sum(total) FILTER (WHERE status = 'completed'), 0)::text AS revenue,
                       count(*) FILTER (WHERE status = 'completed')::int AS completed,
                       count(DISTINCT customer_phone_number) FILTER (WHERE status = 'completed')::int AS customers,
                       (SELECT sum(quantity)::int FROM order_items i JOIN orders o ON o.id = i.order_id
                        WHERE o.status = 'completed') AS quantity
                FROM orders
                """,
                prepared: false
            )
        )[0]
        let history = PostgresLogStore(pool: database.pool)
        let rollup = MetricsRollup(pool: database.pool, history: history)
        let before = try await rollup.rollup(business: business, date: day).metrics
        #expect(before.count == 1)
        let live = try #require(before.first)
        #expect(live.ordersCount == 4 && live.cancelledCount == 1 && live.openCount == 1)
        #expect(
            "\(live.revenueTotal)"
                == (try expected.decode(String.self, "revenue")).replacingOccurrences(of: ".00", with: "")
        )
        #expect(live.ordersCount == (try expected.decode(Int.self, "completed")))
        #expect(live.customers.count == (try expected.decode(Int.self, "customers")))
        #expect(live.items.values.reduce(0) { $0 + $1.quantity } == (try expected.decode(Int.self, "quantity")))
        #expect(live.peakHours == [19, 12, 20] && live.hourlyOrders.reduce(0, +) == 6)
        #expect(live.languages == ["arabizi": 6])

        // Archive the finished ones; the day rolls up the same.
        let archived = try await OrderArchiver(pool: database.pool, store: history, olderThan: 0).archiveAll()
        #expect(archived.archived == 5)
        let after = try #require(try await rollup.rollup(business: business, date: day).metrics.first)
        #expect(after.ordersCount == live.ordersCount && after.revenueTotal == live.revenueTotal)
        #expect(
            after.items == live.items && after.customers == live.customers && after.hourlyOrders == live.hourlyOrders
        )
        #expect(after.completionSeconds == live.completionSeconds && after.openCount == 1)
        // Rolled up again: one row, as before.
        #expect(try await database.count("SELECT count(*)::int FROM daily_business_metrics") == 1)
        let row = try #require(try await MetricsRollupTests.row(database, day.text))
        #expect(try row.decode(String.self, "revenue") == (try expected.decode(String.self, "revenue")))
        #expect(try row.decode(String.self, "top").contains("\"quantity\""))
    }
}
