import ArgumentParser
import Foundation
import TalabBench
import TalabStore

extension BenchCommand {
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "The archiver against a bare INSERT … SELECT, DynamoDB's rate, history queries and the rollup.",
            discussion: """
                Generates finished orders on the example tenants, measures the floor (one INSERT … SELECT of their \
                documents) and OrderArchiver into PostgreSQL; with --dynamodb-endpoint (moto_server), the archive \
                rate into DynamoDB; then a million archived orders over a thousand businesses: one business's last \
                30 days, and the rollup of one day of every business.
                """
        )

        @Option(help: "Finished orders to archive.") var orders = 100_000
        @Option(help: "Archived orders to query over.") var archived = 1_000_000
        @Option(help: "Businesses they belong to (and rolled up).") var businesses = 1_000
        @Option(help: ArgumentHelp("DynamoDB (moto) to measure the archive rate into.", valueName: "url"))
        var dynamodbEndpoint: String?
        @Option(help: "Orders archived into DynamoDB.") var dynamodbOrders = 2_000
        @Option(help: "Orders per archiver transaction.") var batch = OrderArchiver.defaultBatch
        @Option(help: "Archivers side by side.") var archivers = 2

        func run() async throws {
            try await reportingFailure {
                var benchmark = HistoryBenchmark(
                    orders: orders,
                    archived: archived,
                    businesses: businesses,
                    dynamoOrders: dynamodbOrders
                )
                benchmark.dynamoEndpoint = dynamodbEndpoint.flatMap(URL.init(string:))
                benchmark.batch = batch
                benchmark.archivers = archivers
                let report = try await withBenchCluster { server, migrations, project in
                    try await benchmark.run(server: server, migrations: migrations, project: project, progress: note)
                }
                print("talab bench history")
                print(report.floor)
                print(report.archive)
                print(
                    String(format: "archiver / floor: %.0f %%", report.archive.perSecond / report.floor.perSecond * 100)
                )
                if let dynamo = report.dynamo { print(dynamo) }
                let query = report.querySeconds
                print(
                    String(
                        format:
                            "one business's last 30 days over %d archived orders (%d documents): p50 %.2f ms, p99 %.2f ms",
                        archived,
                        report.queryDocuments,
                        query[query.count / 2] * 1000,
                        query[min(query.count - 1, query.count * 99 / 100)] * 1000
                    )
                )
                print("\(report.rollup) (\(report.rollupOrders) orders)")
            }
        }
    }
}
