import ArgumentParser
import Foundation
import TalabBench
import TalabStore

extension BenchCommand {
    struct Attack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attack",
            abstract: "A hostile Internet against a live talab serve, case by case, with its memory.",
            discussion: """
                Idle and slow clients, unsigned bodies held at their last byte, hostile signed messages, an \
                amplifying body, then SIGTERM while clients hold connections.
                """
        )

        @Option(help: "Idle connections of the first case (bounded by this process's descriptors).") var idle = 19_000
        @Option(help: "Slow clients (a header byte a second).") var slow = 2_000
        @Option(help: "Unsigned 3 MiB bodies held at their last byte.") var held = 300

        func run() async throws {
            try await reportingFailure {
                let report = try await withBenchCluster { server, migrations, project in
                    try await AttackBenchmark(
                        executable: CommandLine.executablePath,
                        project: project,
                        idle: idle,
                        slow: slow,
                        heldBodies: held
                    ).run(server: server, migrations: migrations, progress: note)
                }
                print("talab bench attack: talab serve with its default limits")
                print("| case | outcome | RSS before | RSS after | signed webhook meanwhile |")
                print("| --- | --- | ---: | ---: | ---: |")
                for item in report.cases {
                    let webhook = item.signedWebhook.map { String(format: "%.1f ms", $0 * 1000) } ?? "not acknowledged"
                    print(
                        "| \(item.name) | \(item.outcome) | \(item.rssBefore >> 20) MiB | \(item.rssAfter >> 20) MiB | \(webhook) |"
                    )
                }
                print("peak RSS \(report.peakRSS >> 20) MiB")
                try Scorecard.record([
                    .init(
                        "attack",
                        "cases with signed webhooks acknowledged meanwhile",
                        Double(report.cases.filter { $0.signedWebhook != nil }.count),
                        "of \(report.cases.count)",
                        floor: Double(report.cases.count),
                        higherIsBetter: true
                    ),
                    .init("attack", "peak RSS (300 held 3 MiB bodies)", Double(report.peakRSS >> 20), "MiB"),
                    .init("attack", "exit after SIGTERM, 50 clients holding connections", report.sigtermSeconds, "s"),
                ])
                print(
                    String(
                        format: "SIGTERM with 50 clients holding connections: exit %d after %.2f s",
                        report.exitStatus,
                        report.sigtermSeconds
                    )
                )
            }
        }
    }
}
