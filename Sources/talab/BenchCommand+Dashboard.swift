import ArgumentParser
import Foundation
import TalabBench
import TalabStore

extension BenchCommand {
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dashboard",
            abstract: "The live board: webhook → event latency, memory with boards open, page times.",
            discussion: """
                Runs `talab serve` with the dashboard on a fresh example database with archived orders, opens \
                --boards event streams, has customers confirm --orders orders on WhatsApp at --per-minute, and \
                reports how long each took from the confirming webhook to its event on a board, the server's RSS \
                before and with the boards, the board page and an archived order's times, and how long an item \
                "86"ed from the API takes until a customer asking for it is told (goal: within one second).
                """
        )

        @Option(help: "Orders confirmed by customers.") var orders = 100
        @Option(help: "Orders a minute.") var perMinute = 100
        @Option(help: "Boards listening at once.") var boards = 1_000
        @Option(help: "Archived orders of the business.") var archived = 100_000
        @Option(help: "Requests per page measured.") var pageRequests = 200
        @Option(help: "Times an item is 86ed and back, a customer asking after each.") var eightySix = 20

        func run() async throws {
            try await reportingFailure {
                let report = try await withBenchCluster { server, migrations, project in
                    var benchmark = DashboardBenchmark(executable: CommandLine.executablePath, project: project)
                    benchmark.orders = orders
                    benchmark.perMinute = perMinute
                    benchmark.boards = boards
                    benchmark.archived = archived
                    benchmark.pageRequests = pageRequests
                    benchmark.eightySix = eightySix
                    return try await benchmark.run(server: server, migrations: migrations, progress: note)
                }
                func percentiles(_ values: [Double]) -> String {
                    guard !values.isEmpty else { return "none" }
                    let p = { (q: Double) in values[min(values.count - 1, Int(Double(values.count) * q))] * 1000 }
                    return String(
                        format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d)",
                        p(0.5),
                        p(0.99),
                        values.last! * 1000,
                        values.count
                    )
                }
                print("talab bench dashboard")
                print("webhook → event on an open board (\(perMinute)/min): \(percentiles(report.eventSeconds))")
                print("boards connected: \(report.boardsConnected)")
                print(
                    "server RSS: \(report.rssBefore / 1_048_576) MB before, \(report.rssWithBoards / 1_048_576) MB with the boards"
                )
                print("GET /dashboard/board: \(percentiles(report.boardPageSeconds))")
                print("GET /dashboard/history over \(archived) archived: \(percentiles(report.historyPageSeconds))")
                print(
                    "GET /api/v1/orders/{archived} over \(archived) archived: \(percentiles(report.archivedOrderSeconds))"
                )
                print("86 an item (commit + reconcile): \(percentiles(report.eightySixCommitSeconds))")
                print(
                    "86 sent → a customer asking is told: \(percentiles(report.eightySixToldSeconds)); \(report.eightySixStale) customers answered as before"
                )
            }
        }
    }
}
