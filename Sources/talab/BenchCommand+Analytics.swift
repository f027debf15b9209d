import ArgumentParser
import Foundation
import TalabBench
import TalabStore

extension BenchCommand {
    struct Analytics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analytics",
            abstract: "Premium analytics: reports over 30 and 365 days, and the nightly rollup of every business.",
            discussion: """
                Generates the rollup rows a thousand businesses leave over two years (two branches each, about 27 \
                orders a day: some ten million orders a year), then times one business's whole report (every \
                statement, the previous range beside it) over 30 and over 365 days, prints the plan of the slowest \
                statement, and rolls up one day of every business from its archived orders.
                """
        )

        @Option(help: "Businesses.") var businesses = 1_000
        @Option(help: "Days of rollup rows, ending today.") var days = 730
        @Option(help: "Archived orders of each business on the day rolled up.") var ordersPerDay = 27
        @Option(help: "Reports measured for each range.") var requests = 100

        func run() async throws {
            try await reportingFailure {
                var benchmark = AnalyticsBenchmark()
                benchmark.businesses = businesses
                benchmark.days = days
                benchmark.ordersPerDay = ordersPerDay
                benchmark.requests = requests
                let report = try await withBenchCluster { server, migrations, _ in
                    try await benchmark.run(server: server, migrations: migrations, progress: note)
                }
                func percentiles(_ values: [Double]) -> String {
                    let p = { (q: Double) in values[min(values.count - 1, Int(Double(values.count) * q))] * 1000 }
                    return String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", p(0.5), p(0.99), values.last! * 1000)
                }
                print("talab bench analytics")
                print(
                    String(
                        format: "rollup rows: %d (%d businesses × %d days × 2 branches), generated in %.1f s",
                        report.rollupRows,
                        businesses,
                        days,
                        report.generateSeconds
                    )
                )
                print(
                    "conversation events: \(report.conversationEvents) (a year of the businesses measured, 108 a day)"
                )
                print("one business's report over 30 days (and the 30 before): \(percentiles(report.month))")
                print("one business's report over 365 days (and the 365 before): \(percentiles(report.year))")
                print("\(report.rollup) (\(report.rollupOrders) orders)")
                print("the slowest statement of a year's report:")
                print(report.slowestPlan)
            }
        }
    }
}
