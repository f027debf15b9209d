import ArgumentParser
import Foundation
import Logging
import TalabBench
import TalabCore
import TalabDev
import TalabStore
import TalabWhatsApp

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Talab's speed on this machine; figures belong in Benchmarks/README.md.",
        subcommands: [
            Database.self, Config.self, Reconcile.self, Webhook.self, Conversation.self, Attack.self, History.self,
            Dashboard.self, Analytics.self, Table.self,
        ]
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
                        "  \(figure.name.padding(toLength: 46, withPad: " ", startingAt: 0))"
                            + String(format: "%10.0f ops/s", figure.perSecond)
                    )
                }
                var figures: [Scorecard.Figure] = []
                if let ratio = report.selectRatio {
                    figures.append(
                        .init(
                            "db",
                            "point-selects, share of pgbench -S",
                            ratio * 100,
                            "%",
                            floor: 70,
                            higherIsBetter: true
                        )
                    )
                }
                if let ours = report.figure(DatabaseBenchmark.Names.poolPipelined),
                    let theirs = report.figure(DatabaseBenchmark.Names.pgbenchTransaction)
                {
                    figures.append(
                        .init(
                            "db",
                            "TPC-B-like transactions, writes pipelined (floor: pgbench's)",
                            ours.perSecond,
                            "/s",
                            floor: theirs.perSecond,
                            higherIsBetter: true
                        )
                    )
                }
                try Scorecard.record(figures)
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

extension BenchCommand {
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Validate a generated repository of many tenants at a commit; find the tenants a commit changed."
        )

        @Option(help: "Tenants to generate.") var tenants = 1000
        @Option(help: "Items in each tenant's menu.") var items = 50
        @Option(help: "Runs of each measurement.") var repetitions = 5
        @Option(
            help: ArgumentHelp("Keep the generated repository in this new folder (to profile it).", valueName: "path")
        )
        var keep: String?

        func validate() throws {
            guard tenants > 1, items > 0, repetitions > 0 else {
                throw ValidationError("--tenants must be at least 2; --items and --repetitions positive")
            }
        }

        func run() async throws {
            try await reportingFailure {
                let benchmark = ConfigBenchmark(
                    tenants: tenants,
                    items: items,
                    repetitions: repetitions,
                    keepAt: keep.map { URL(fileURLWithPath: $0) }
                )
                let report = try benchmark.run(progress: note)
                print(
                    "talab bench config: \(tenants) tenants × \(items) items, \(report.files) files, \(report.bytes / 1024) KiB"
                )
                print("  generate and commit (git CLI)       \(String(format: "%.2f", report.generateSeconds)) s")
                print("  read all blobs at the commit        \(BenchCommand.Config.describe(report.readSeconds))")
                print("  libyaml events alone, one core      \(BenchCommand.Config.describe(report.libyamlSeconds))")
                print("  validate at the commit              \(BenchCommand.Config.describe(report.validateSeconds))")
                print(
                    "  tenants changed by one commit       \(BenchCommand.Config.describe(report.changedTenantsSeconds, unit: 1000, "ms")) → \(report.changedTenants.joined(separator: ", "))"
                )
                print("  peak memory                         \(report.peakMemoryBytes / 1_048_576) MiB")
                print("  \(report.summary)")
                try Scorecard.record([
                    .init(
                        "config",
                        "validate 1,000 × 50 at a commit (best)",
                        report.validateSeconds.min() ?? 0,
                        "s",
                        floor: 3,
                        aim: 0.5
                    ),
                    .init(
                        "config",
                        "tenants changed by one commit (best)",
                        (report.changedTenantsSeconds.min() ?? 0) * 1000,
                        "ms",
                        floor: 20
                    ),
                    .init("config", "peak memory", Double(report.peakMemoryBytes / 1_048_576), "MiB", floor: 300),
                ])
            }
        }

        static func describe(_ samples: [Double], unit: Double = 1, _ name: String = "s") -> String {
            let sorted = samples.sorted()
            let median = sorted[sorted.count / 2]
            return String(format: "best %.3f %@, median %.3f %@", sorted[0] * unit, name, median * unit, name)
        }
    }
}

extension BenchCommand {
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reconcile",
            abstract:
                "First apply, no-op plan, one-change plan and apply of a generated repository, on a private cluster."
        )

        @Option(help: "Tenants to generate.") var tenants = 1000
        @Option(help: "Items in each tenant's menu.") var items = 50

        func run() async throws {
            try await reportingFailure {
                let report = try await withBenchCluster { server, migrations, _ in
                    try await ReconcileBenchmark(tenants: tenants, items: items).run(
                        server: server,
                        migrations: migrations,
                        progress: note
                    )
                }
                print("talab bench reconcile: \(tenants) tenants × \(items) items, \(report.changes) rows")
                print(String(format: "  first apply                          %8.3f s", report.firstApply))
                for phase in report.firstApplyPhases {
                    print(
                        "    " + phase.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                            + String(format: " %8.3f s", phase.seconds)
                    )
                }
                print(
                    String(
                        format: "  audit trail relayed to the history   %8.3f s (%d records, %.0f/s)",
                        report.relaySeconds,
                        report.relayed,
                        Double(report.relayed) / report.relaySeconds
                    )
                )
                print(String(format: "  no-op plan                           %8.3f s", report.noOpPlan))
                print(String(format: "  no-op plan, incremental skip off     %8.3f s", report.fullNoOpPlan))
                print(
                    String(
                        format: "  plan after one price change          %8.3f s (%d changes)",
                        report.planAfterOneChange,
                        report.changedByOneCommit
                    )
                )
                print(String(format: "  apply after one price change         %8.3f s", report.applyAfterOneChange))
                try Scorecard.record([
                    .init("reconcile", "first apply, 1,000 × 50 with audit", report.firstApply, "s", floor: 30, aim: 3),
                    .init("reconcile", "no-op plan", report.noOpPlan * 1000, "ms", floor: 500, aim: 20),
                    .init(
                        "reconcile",
                        "plan after one price change",
                        report.planAfterOneChange * 1000,
                        "ms",
                        floor: 300
                    ),
                    .init(
                        "reconcile",
                        "apply after one price change",
                        report.applyAfterOneChange * 1000,
                        "ms",
                        floor: 300
                    ),
                ])
            }
        }
    }
}

extension BenchCommand {
    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhook",
            abstract: "Signed webhooks into a live talab serve at rising rates, then a SIGKILL and restart mid-load."
        )

        @Option(help: "Target rates of the steps, per second; 0 is unpaced.") var rates = "500,1000,2000,4000,0"
        @Option(help: "Seconds per step.") var seconds = 5.0
        @Option(help: "Concurrent client connections.") var connections = 64
        @Option(help: "Rate of the run that kills the server halfway.") var crashRate = 1000
        @Option(help: "The server's webhook workers during the rate steps; 0 measures receiving alone.")
        var workers = 2
        @Option(
            help:
                "Run instead N servers on one database behind a loopback balancer at --crash-rate, the first SIGKILLed and restarted halfway: every acknowledged webhook answered once, each customer's messages in order."
        )
        var servers = 1

        func run() async throws {
            if servers > 1 { return try await fleet() }
            try await reportingFailure {
                let steps = rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                let report = try await withBenchCluster { server, migrations, project in
                    try await WebhookBenchmark(
                        rates: steps,
                        seconds: seconds,
                        connections: connections,
                        crashRate: crashRate,
                        executable: CommandLine.executablePath,
                        project: project,
                        workers: workers
                    ).run(server: server, migrations: migrations, progress: note)
                }
                print(
                    "talab bench webhook: \(connections) connections, \(seconds) s per step, \(workers) workers, fsync on"
                )
                print("  target/s    sent   acked   acked/s   p50 ms   p99 ms   server RSS")
                for step in report.steps {
                    print(
                        String(
                            format: "  %8@ %7d %7d %9.0f %8.2f %8.2f %8d MiB",
                            step.target == 0 ? "max" : String(step.target),
                            step.sent,
                            step.acknowledged,
                            step.perSecond,
                            step.p50 * 1000,
                            step.p99 * 1000,
                            step.rssBytes / 1_048_576
                        )
                    )
                }
                print("  peak server RSS \(report.peakRSSBytes / 1_048_576) MiB")
                if report.backlog > 0 {
                    print(
                        String(
                            format: "  backlog left by the steps: %d bodies, handled by the workers at %.0f/s",
                            report.backlog,
                            report.backlogPerSecond
                        )
                    )
                }
                print(
                    "  crash run: \(report.crashAcknowledged) acknowledged, \(report.lost) lost, "
                        + "\(report.duplicated) duplicated (drained in \(String(format: "%.1f", report.drainSeconds)) s)"
                )
                print("  leases left by the killed server: \(report.lostLeases); dead-lettered: \(report.deadLettered)")
                if let error = report.commonestError {
                    print("  \(report.retried) bodies needed a retry; commonest reason: \(error)")
                }
                var figures: [Scorecard.Figure] = []
                if let unpaced = report.steps.last(where: { $0.target == 0 }) {
                    figures.append(
                        workers == 0
                            ? .init(
                                "webhook",
                                "durable acknowledgements, receiving alone",
                                unpaced.perSecond,
                                "/s",
                                aim: 8_000,
                                higherIsBetter: true
                            )
                            : .init(
                                "webhook",
                                "acknowledgements, \(workers) workers answering",
                                unpaced.perSecond,
                                "/s",
                                aim: 4_000,
                                higherIsBetter: true
                            )
                    )
                    if report.backlog > 0 {
                        figures.append(
                            .init(
                                "webhook",
                                "bodies handled by \(workers) workers, backlog, no load",
                                report.backlogPerSecond,
                                "/s",
                                higherIsBetter: true
                            )
                        )
                    }
                    figures.append(
                        .init("webhook", "p99 acknowledgement, unpaced, \(workers) workers", unpaced.p99 * 1000, "ms")
                    )
                }
                figures += [
                    .init(
                        "webhook",
                        "server peak RSS under load, \(workers) workers",
                        Double(report.peakRSSBytes / 1_048_576),
                        "MiB",
                        floor: 100
                    ),
                    .init("webhook", "acknowledged webhooks lost after a SIGKILL", Double(report.lost), "", floor: 0),
                    .init("webhook", "acknowledged webhooks answered twice", Double(report.duplicated), "", floor: 0),
                ]
                try Scorecard.record(figures)
                if report.lost > 0 || report.duplicated > 0 { throw ExitCode.failure }
            }
        }

        func fleet() async throws {
            try await reportingFailure {
                let report = try await withBenchCluster { server, migrations, project in
                    try await WebhookBenchmark(
                        rates: [],
                        seconds: seconds,
                        connections: connections,
                        crashRate: crashRate,
                        executable: CommandLine.executablePath,
                        project: project
                    ).runFleet(servers: servers, server: server, migrations: migrations, progress: note)
                }
                print(
                    "talab bench webhook --servers \(report.servers): \(connections) connections through one loopback balancer, \(crashRate)/s for \(seconds) s, fsync on; the first server SIGKILLed halfway and restarted"
                )
                print(
                    String(
                        format: "  sent %d, acknowledged %d (%.0f/s), p50 %.2f ms, p99 %.2f ms",
                        report.sent,
                        report.acknowledged,
                        report.perSecond,
                        report.p50 * 1000,
                        report.p99 * 1000
                    )
                )
                print(
                    "  \(report.lost) lost, \(report.duplicated) answered twice, \(report.outOfOrder) handled out of a customer's order (drained in \(String(format: "%.1f", report.drainSeconds)) s)"
                )
                print("  leases left by the killed server: \(report.lostLeases); dead-lettered: \(report.deadLettered)")
                print(
                    "  an apply adding a business: \(report.serversRefreshed) of \(report.servers) servers showed it in their catalog \(String(format: "%.0f ms", report.refreshSeconds * 1000)) after its commit"
                )
                try Scorecard.record([
                    .init(
                        "webhook",
                        "servers whose catalog showed an apply",
                        Double(report.serversRefreshed),
                        "of \(report.servers)",
                        floor: Double(report.servers),
                        higherIsBetter: true
                    ),
                    .init(
                        "webhook",
                        "\(servers) servers, one SIGKILLed: lost, twice or out of order",
                        Double(report.lost + report.duplicated + report.outOfOrder),
                        "",
                        floor: 0
                    ),
                ])
                if report.lost > 0 || report.duplicated > 0 || report.outOfOrder > 0
                    || report.serversRefreshed < report.servers
                {
                    throw ExitCode.failure
                }
            }
        }
    }
}

/// Runs a benchmark on a fresh durable private cluster, removed afterwards, with the migrations
/// shipped with talab; it runs from the project, whose example tenants it applies.
func withBenchCluster<Report>(
    _ body: (DatabaseURL, [Migration], URL) async throws -> Report
) async throws -> Report {
    let project = LocalCluster.projectFolder(from: currentDirectory)
    guard FileManager.default.fileExists(atPath: project.appendingPathComponent("Tenants").path) else {
        throw ValidationError("run it from the project: its example tenants (Tenants/) are needed")
    }
    let clusterFolder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-\(UUID())")
    let cluster = PrivateCluster(folder: clusterFolder, binaries: try PostgresBinaries.locate(), durable: true)
    defer {
        try? cluster.stop(immediate: true)
        try? FileManager.default.removeItem(at: clusterFolder)
    }
    note("starting a private cluster in \(clusterFolder.path)")
    return try await body(
        try await cluster.start(),
        try Migration.shipped(),
        project
    )
}

extension CommandLine {
    /// This program's own path, to start it again as a server.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}

extension BenchCommand.Conversation {
    /// The corpus with a language model in fallback and in always mode, beside the engine alone.
    func withModel(_ url: String, _ benchmark: ConversationBenchmark) async throws {
        var fake: LoopbackServer?
        var endpoint = url
        if url == "fake" {
            let server = try await LoopbackServer.start(FakeLanguageModel().router())
            fake = server
            endpoint = server.url + "/v1"
        }
        var settings = LanguageModelSettings(
            url: endpoint,
            model: llmModel,
            apiKey: ProcessInfo.processInfo.environment["TALAB_LLM_API_KEY"],
            timeout: .milliseconds(llmTimeout)
        )
        // A benchmark measures the model, not the breaker.
        settings.breakerThreshold = .max
        var logger = Logger(label: "talab.bench.llm")
        logger.logLevel = .error
        let client = LanguageModelClient(settings: settings, logger: logger)
        for mode in [ModelMode.fallback, .always] {
            note("replaying \(corpus) with \(settings) in \(mode.rawValue) mode")
            let run = try await benchmark.replay(with: client, mode: mode)
            print("with the model in \(mode.rawValue) mode:")
            print(run.report.text, terminator: "")
            print(run.summary, terminator: "")
        }
        try await fake?.stop()
    }
}

@Sendable func note(_ message: String) {
    FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
}

extension BenchCommand {
    struct Conversation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conversation",
            abstract: "Replay a conversation corpus through the engine, then time webhook → reply with many customers.",
            discussion: """
                The corpus is any folder of conversation files (the format of \
                Tests/TalabCoreTests/Fixtures/conversations), replayed against the tenants at HEAD of \
                --repo: accuracy per language (intent, exact cart, language), replies naming an item or \
                amount the catalog does not back, and the engine's time per message. Then a live talab \
                serve on a private cluster answers --conversations customers at once through the fake \
                Graph API, each writing --messages lines with a pause to think: the time from posting the \
                signed webhook to the first reply reaching the fake. Exits 1 below the goals (95 % exact \
                carts in every language, no ungrounded reply).
                """
        )

        @Option(help: ArgumentHelp("The corpus folder.", valueName: "dir"))
        var corpus = "Tests/TalabCoreTests/Fixtures/conversations"
        @Option(
            help: ArgumentHelp("The repository whose Tenants/ (at HEAD) the corpus runs against.", valueName: "path")
        )
        var repo = "."
        @Option(help: "Replays of the corpus for the engine timing.") var passes = 20
        @Option(help: "Customers chatting at once; 0 skips the round trips.") var conversations = 100
        @Option(help: "Messages each customer sends.") var messages = 10
        @Option(help: "Seconds a customer takes to answer (jittered ±50 %).") var think = 1.0
        @Option(help: "Misses printed, each with what was expected.") var misses = 20
        @Option(
            name: .customLong("llm-url"),
            help: ArgumentHelp(
                "Replay the corpus again with a language model behind the engine (fallback, then always): an OpenAI-compatible endpoint, or 'fake' for a local stand-in that proposes nothing (a plumbing check). The key comes from TALAB_LLM_API_KEY.",
                valueName: "url"
            )
        )
        var llmURL: String?
        @Option(name: .customLong("llm-model"), help: "The model's name at --llm-url.") var llmModel = "fake"
        @Option(name: .customLong("llm-timeout-ms"), help: "The model's timeout per line.") var llmTimeout = 4000

        func run() async throws {
            try await reportingFailure {
                let project = LocalCluster.projectFolder(from: currentDirectory)
                let benchmark = ConversationBenchmark(
                    corpus: URL(fileURLWithPath: corpus, relativeTo: currentDirectory),
                    repository: URL(fileURLWithPath: repo, relativeTo: currentDirectory),
                    passes: passes,
                    conversations: conversations,
                    messages: messages,
                    thinkSeconds: think,
                    executable: CommandLine.executablePath,
                    project: project
                )
                note("replaying \(corpus) \(passes) times")
                let report = try benchmark.replayCorpus()
                print("talab bench conversation: corpus \(corpus) against \(repo) at HEAD")
                print(report.text, terminator: "")
                for failure in report.failures.prefix(misses) { print("  miss: \(failure)") }
                for problem in report.ungrounded.prefix(20) { print("  ungrounded: \(problem)") }
                if let llmURL { try await withModel(llmURL, benchmark) }
                if conversations > 0 {
                    let trips = try await withBenchCluster { server, migrations, _ in
                        try await benchmark.roundTrips(server: server, migrations: migrations, progress: note)
                    }
                    print(
                        String(
                            format:
                                "round trips: %d customers × %d messages, %.1f s to think: p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d timeouts, %d orders placed, %.1f s in all",
                            conversations,
                            messages,
                            think,
                            trips.percentile(0.5) * 1000,
                            trips.percentile(0.99) * 1000,
                            (trips.seconds.max() ?? 0) * 1000,
                            trips.timeouts,
                            trips.ordersPlaced,
                            trips.wallSeconds
                        )
                    )
                    try Scorecard.record([
                        .init(
                            "conversation",
                            "webhook → reply p99, \(conversations) customers",
                            trips.percentile(0.99) * 1000,
                            "ms",
                            floor: 50
                        ),
                        .init("conversation", "round trips timed out", Double(trips.timeouts), "", floor: 0),
                    ])
                    for stage in trips.stages {
                        print(String(format: "  %@: p50 %.1f ms, p99 %.1f ms", stage.name, stage.p50, stage.p99))
                    }
                    for (line, samples) in trips.byLine.sorted(by: { $0.key < $1.key }) {
                        print(
                            String(
                                format: "  p50 %6.1f ms  p99 %6.1f ms  %@",
                                trips.percentile(0.5, of: samples) * 1000,
                                trips.percentile(0.99, of: samples) * 1000,
                                line
                            )
                        )
                    }
                }
                let belowGoal = report.byLanguage.values.contains {
                    $0.carts > 0 && Double($0.cartsExact) < 0.95 * Double($0.carts)
                }
                if belowGoal || !report.ungrounded.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
