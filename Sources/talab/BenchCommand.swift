import ArgumentParser
import Foundation
import TalabBench
import TalabStore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Talab's speed on this machine; figures belong in Benchmarks/README.md.",
        subcommands: [Database.self]
    )

    struct Database: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Point-selects and inserts through our pool beside pgbench, on a private cluster."
        )

        @Option(help: "Seconds per measurement.") var seconds = 10
        @Option(help: "Connections, for pgbench and for our pool alike.") var connections = 4
        @Option(help: "pgbench scale (100,000 accounts each).") var scale = 10
        @Option(
            name: .customLong("database-url"),
            help: ArgumentHelp(
                "A server to measure instead of a fresh private cluster (its superuser).",
                valueName: "url"
            )
        )
        var databaseURL: String?

        func validate() throws {
            guard seconds > 0, connections > 0, scale > 0 else {
                throw ValidationError("--seconds, --connections and --scale must be positive")
            }
        }

        func run() async throws {
            try await reportingFailure {
                let binaries = try PostgresBinaries.locate()
                let benchmark = DatabaseBenchmark(seconds: seconds, connections: connections, scale: scale)
                let report: DatabaseBenchmark.Report
                if let databaseURL {
                    report = try await benchmark.run(
                        server: try DatabaseURL(databaseURL),
                        binaries: binaries,
                        progress: note
                    )
                } else {
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-\(UUID())")
                    let cluster = PrivateCluster(folder: folder, binaries: binaries, durable: true)
                    defer {
                        try? cluster.stop(immediate: true)
                        try? FileManager.default.removeItem(at: folder)
                    }
                    note("starting a private cluster in \(folder.path)")
                    report = try await benchmark.run(
                        server: try await cluster.start(),
                        binaries: binaries,
                        progress: note
                    )
                }
                print("talab bench db: \(report.connections) connections, \(seconds) s each, scale \(scale)")
                for figure in report.figures {
                    print(
                        "  \(figure.name.padding(toLength: 36, withPad: " ", startingAt: 0))"
                            + String(format: "%10.0f ops/s", figure.perSecond)
                    )
                }
                if let ratio = report.selectRatio {
                    print(
                        String(
                            format: "point-select: talab pool at %.0f%% of pgbench -S (goal: at least 70%%)",
                            ratio * 100
                        )
                    )
                }
            }
        }
    }
}

@Sendable func note(_ message: String) {
    FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
}
