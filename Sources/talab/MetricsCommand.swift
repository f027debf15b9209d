import ArgumentParser
import Foundation
import TalabApp
import TalabStore

/// `talab metrics`: the daily rollup of each business's orders (`daily_business_metrics`).
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "The daily rollup of orders per business and branch: compute it for past days, read it.",
        subcommands: [Rollup.self, Show.self]
    )

    struct Rollup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute the rollup of each business's days (default: its yesterday and today).",
            discussion: """
                Days are each business's own, in its time zone. Live and archived orders count alike; a day \
                is recomputed whole, so running it again for a range is safe.
                """
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only this tenant.", valueName: "slug")) var tenant: String?
        @Option(help: ArgumentHelp("The first day (YYYY-MM-DD).", valueName: "date")) var since: String?
        @Option(help: ArgumentHelp("The last day (YYYY-MM-DD; default: today).", valueName: "date")) var until: String?

        func validate() throws {
            for day in [since, until].compactMap({ $0 }) where LocalDate(day) == nil {
                throw ValidationError("'\(day)' is not a day (YYYY-MM-DD)")
            }
        }

        func run() async throws {
            try await reportingFailure {
                let pool = PostgresPool(url: try database.resolve(), maxConnections: 2)
                defer { pool.close() }
                let rollup = MetricsRollup(pool: pool, history: try HistorySettings().store(pool: pool))
                let businesses = try await BusinessDirectory.businesses(pool, slug: tenant)
                guard !businesses.isEmpty else {
                    throw ValidationError(tenant.map { "no business '\($0)' in this database" } ?? "no businesses yet")
                }
                let started = ContinuousClock.now
                var total = MetricsRollup.Summary()
                for business in businesses {
                    let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
                    let today = LocalDate(Date(), in: zone)
                    let last = until.flatMap(LocalDate.init) ?? today
                    let first = since.flatMap(LocalDate.init) ?? today.previous
                    let summary = try await rollup.rollup(businesses: [business], from: first, through: last)
                    total.days += summary.days
                    total.rows += summary.rows
                    total.orders += summary.orders
                    total.unreadable += summary.unreadable
                }
                let elapsed = (ContinuousClock.now - started).components
                let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
                let unreadable = total.unreadable > 0 ? "; \(total.unreadable) documents were not orders" : ""
                print(
                    "Rolled up \(total.days) business days: \(total.orders) orders into \(total.rows) rows"
                        + unreadable + String(format: " (%.2f s).", seconds)
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One business's rolled-up days, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("The tenant.", valueName: "slug")) var tenant: String
        @Option(help: "How many days.") var days = 7

        func run() async throws {
            try await reportingFailure {
                let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
                defer { pool.close() }
                guard let business = try await BusinessDirectory.businesses(pool, slug: tenant).first else {
                    throw ValidationError("no business '\(tenant)' in this database")
                }
                let rows = try await DailyMetricsReader.days(pool, business: business.id, limit: days)
                guard !rows.isEmpty else {
                    print("No rolled-up days for \(tenant): talab metrics rollup --tenant \(tenant)")
                    return
                }
                for row in rows { print(row) }
            }
        }
    }
}
