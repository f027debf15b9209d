import AsyncHTTPClient
public import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TalabConfig
import TalabDev
import TalabReconciler
public import TalabStore
import TalabWhatsApp

/// Drives a live `talab serve` on loopback with signed webhooks at increasing rates, then kills
/// and restarts it in the middle of a run and checks that every acknowledged message took effect
/// exactly once.
public struct WebhookBenchmark: Sendable {
    /// Target rates of the steps, webhooks per second; 0 is as fast as the connections go.
    public let rates: [Int]
    public let seconds: Double
    public let connections: Int
    /// The rate of the run whose server is SIGKILLed halfway.
    public let crashRate: Int
    /// The `talab` binary to run as the server.
    public let executable: String
    public let project: URL
    /// The server's webhook workers during the rate steps (0: receive only; the crash run always processes).
    public let workers: Int

    public init(
        rates: [Int],
        seconds: Double,
        connections: Int,
        crashRate: Int,
        executable: String,
        project: URL,
        workers: Int = 2
    ) {
        self.workers = workers
        self.rates = rates
        self.seconds = seconds
        self.connections = connections
        self.crashRate = crashRate
        self.executable = executable
        self.project = project
    }

    public struct Step: Sendable {
        public let target: Int
        public let sent: Int
        public let acknowledged: Int
        public let perSecond: Double
        public let p50: Double
        public let p99: Double
        public let rssBytes: Int
    }

    public struct Report: Sendable {
        public var steps: [Step] = []
        public var crashAcknowledged = 0
        public var lost = 0
        public var duplicated = 0
        public var peakRSSBytes = 0
        public var drainSeconds = 0.0
        /// Bodies whose processing failed at least once, and the most common reason.
        public var retried = 0
        public var commonestError: String?
        /// Bodies whose lease a killed process left behind, and bodies dead-lettered.
        public var lostLeases = 0
        public var deadLettered = 0
        /// With workers: the bodies still waiting when the rate steps ended, and how fast the
        /// workers handled them with no load coming in (what they can do at most).
        public var backlog = 0
        public var backlogPerSecond = 0.0
    }

    static let appSecret = "bench-app-secret"
    static let number = "106540352243100"  // Padel Beirut's, in the example tenants

    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws
        -> Report
    {
        let stage = try await BenchStage.make(
            "talab_bench_webhook",
            server: server,
            migrations: migrations,
            project: project,
            progress: progress
        )
        defer { Task { try? await stage.graphServer.stop() } }
        let (url, port, environment) = (stage.url, stage.port, stage.environment)
        // The receipt handler: this measures the webhook path, one text reply per message.
        let arguments = stage.arguments + ["--handler", "acknowledge"]
        var pid = try Subprocess.spawn(
            executable,
            arguments + ["--inbox-workers", String(workers)],
            environment: environment
        )
        defer {
            kill(pid, SIGTERM)
            Subprocess.wait(pid)
        }
        try await waitUntilHealthy(port)
        let signature = WebhookSignature(appSecret: WebhookBenchmark.appSecret)
        var report = Report()
        for (index, rate) in rates.enumerated() {
            progress("step \(index + 1): \(rate == 0 ? "as fast as possible" : "\(rate)/s") for \(seconds) s")
            let outcome = try await drive(port: port, rate: rate, label: "s\(index)", signature: signature)
            let rss = WebhookBenchmark.memory(of: pid)
            report.peakRSSBytes = max(report.peakRSSBytes, rss.peak)
            report.steps.append(outcome.step(target: rate, seconds: seconds, rss: rss.current))
        }

        if workers > 0 {
            progress("timing the workers on the backlog the steps left")
            (report.backlog, report.backlogPerSecond) = try await WebhookBenchmark.drainRate(url)
        }
        progress("crash run: \(crashRate)/s for \(seconds) s, SIGKILL and restart halfway")
        let victim = pid
        let (executable, seconds) = (executable, seconds)
        let killer = Task {
            try await Task.sleep(for: .seconds(seconds / 2))
            kill(victim, SIGKILL)
            Subprocess.wait(victim)
            let restarted = try Subprocess.spawn(executable, arguments, environment: environment)
            return restarted
        }
        let crash = try await drive(port: port, rate: crashRate, label: "crash", signature: signature)
        pid = try await killer.value
        report.crashAcknowledged = crash.acknowledgedIDs.count
        try await waitUntilHealthy(port)
        progress("waiting for the inbox to drain")
        let after = try await Aftermath.read(url, acknowledged: crash.acknowledgedIDs)
        (report.drainSeconds, report.lost, report.duplicated) = (after.drainSeconds, after.lost, after.duplicated)
        (report.retried, report.commonestError) = (after.retried, after.commonestError)
        (report.lostLeases, report.deadLettered) = (after.lostLeases, after.deadLettered)
        return report
    }

    /// What became of a run's acknowledged webhooks once the inbox drained (at most 600 s).
    struct Aftermath {
        var drainSeconds = 0.0
        var lost = 0
        var duplicated = 0
        var outOfOrder = 0
        var retried = 0
        var commonestError: String?
        var lostLeases = 0
        var deadLettered = 0

        static func read(_ url: DatabaseURL, acknowledged: [String]) async throws -> Aftermath {
            let pool = PostgresPool(url: url, maxConnections: 2)
            defer { pool.close() }
            var after = Aftermath()
            after.drainSeconds = try await WebhookBenchmark.waitForDrain(pool).seconds
            let ids = PostgresTextArray(acknowledged.map { Optional($0) })
            after.lost = try await pool.query(WebhookBenchmark.lost, [ids])[0].decode(Int.self, "n")
            after.duplicated = try await pool.query(WebhookBenchmark.duplicated)[0].decode(Int.self, "n")
            after.outOfOrder = try await pool.query(WebhookBenchmark.outOfOrder)[0].decode(Int.self, "n")
            let errors = try await pool.query(WebhookBenchmark.errors)
            after.retried = try errors.reduce(0) { $0 + (try $1.decode(Int.self, "n")) }
            after.commonestError = try errors.first?.decode(String.self, "error")
            let leases = try await pool.query(WebhookBenchmark.leases)[0]
            after.lostLeases = try leases.decode(Int.self, "lost")
            after.deadLettered = try leases.decode(Int.self, "dead")
            return after
        }
    }

    /// What several servers on one database did with the same load, one of them SIGKILLed.
    public struct FleetReport: Sendable {
        public var servers = 0
        public var sent = 0
        public var acknowledged = 0
        public var perSecond = 0.0
        public var p50 = 0.0
        public var p99 = 0.0
        public var lost = 0
        public var duplicated = 0
        /// A customer's message handled before one of theirs that arrived earlier.
        public var outOfOrder = 0
        public var drainSeconds = 0.0
        public var lostLeases = 0
        public var deadLettered = 0
        /// After an apply that adds a business: the servers whose catalog showed it (their
        /// `/metrics`), and the time from the apply's commit to the last of them.
        public var serversRefreshed = 0
        public var refreshSeconds = 0.0
    }

    /// `servers` `talab serve` processes on one database behind a loopback balancer, driven at
    /// `crashRate` for `seconds`; the first server is SIGKILLed halfway and restarted. Then: every
    /// acknowledged webhook handled and answered exactly once, each customer's messages in the order
    /// they arrived.
    public func runFleet(
        servers: Int,
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws -> FleetReport {
        let stage = try await BenchStage.make(
            "talab_bench_fleet",
            server: server,
            migrations: migrations,
            project: project,
            progress: progress
        )
        defer { Task { try? await stage.graphServer.stop() } }
        var ports = [stage.port]
        for _ in 1..<max(servers, 2) { ports.append(try PrivateCluster.freeLoopbackPort()) }
        func arguments(_ port: Int) -> [String] {
            [
                "serve", "--database-url", stage.url.unredacted, "--port", String(port), "--graph-url",
                stage.graphServer.url, "--handler", "acknowledge", "--pool-size", "4",
            ]
        }
        let binary = executable
        var pids = try ports.map { try Subprocess.spawn(binary, arguments($0), environment: stage.environment) }
        defer {
            for pid in pids { kill(pid, SIGTERM) }
            for pid in pids { Subprocess.wait(pid) }
        }
        for port in ports { try await waitUntilHealthy(port) }
        let balancer = try await LoopbackBalancer.start(backends: ports)
        progress(
            "\(ports.count) servers behind one address: \(crashRate)/s for \(seconds) s, the first SIGKILLed halfway"
        )
        let (seconds, environment) = (seconds, stage.environment)
        let victim = pids[0]
        let victimArguments = arguments(ports[0])
        let killer = Task {
            try await Task.sleep(for: .seconds(seconds / 2))
            kill(victim, SIGKILL)
            Subprocess.wait(victim)
            return try Subprocess.spawn(binary, victimArguments, environment: environment)
        }
        let signature = WebhookSignature(appSecret: WebhookBenchmark.appSecret)
        let outcome = try await drive(port: balancer.port, rate: crashRate, label: "fleet", signature: signature)
        pids[0] = try await killer.value
        try await balancer.stop()
        var report = FleetReport()
        report.servers = ports.count
        let step = outcome.step(target: crashRate, seconds: seconds, rss: 0)
        (report.sent, report.acknowledged, report.perSecond) = (step.sent, step.acknowledged, step.perSecond)
        (report.p50, report.p99) = (step.p50, step.p99)
        try await waitUntilHealthy(ports[0])
        progress("waiting for the inbox to drain")
        let after = try await Aftermath.read(stage.url, acknowledged: outcome.acknowledgedIDs)
        (report.drainSeconds, report.lost, report.duplicated) = (after.drainSeconds, after.lost, after.duplicated)
        (report.outOfOrder, report.lostLeases, report.deadLettered) =
            (after.outOfOrder, after.lostLeases, after.deadLettered)
        progress("applying a commit with one business more; reading every server's catalog from its /metrics")
        (report.serversRefreshed, report.refreshSeconds) = try await catalogRefresh(stage, ports: ports)
        return report
    }

    /// Applies a commit that adds a business with a number of its own (a copy of Padel Beirut), then
    /// reads each server's `talab_catalog_businesses` and `talab_catalog_numbers` until they show it
    /// (at most 10 s): the apply's NOTIFY reached every process, the restarted one included.
    func catalogRefresh(_ stage: BenchStage, ports: [Int]) async throws -> (servers: Int, seconds: Double) {
        let before = try await WebhookBenchmark.catalogGauges(ports[0])
        let repository = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-fleet-\(UUID())")
        defer { try? FileManager.default.removeItem(at: repository) }
        let tenants = repository.appendingPathComponent("Tenants")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: project.appendingPathComponent("Tenants"), to: tenants)
        let copy = tenants.appendingPathComponent("padel-beirut-east")
        try FileManager.default.copyItem(at: tenants.appendingPathComponent("padel-beirut"), to: copy)
        let business = copy.appendingPathComponent("business.yaml")
        let text = try String(contentsOf: business, encoding: .utf8)
            .replacingOccurrences(of: WebhookBenchmark.number, with: "106540352249999")
            .replacingOccurrences(of: "+96170000010", with: "+96170000099")
        try Data(text.utf8).write(to: business)
        try ConfigBenchmark.git(repository, ["init", "-q", "-b", "main"])
        try ConfigBenchmark.git(repository, ["add", "-A"])
        try ConfigBenchmark.git(
            repository,
            ["-c", "user.name=Bench", "-c", "user.email=bench@talab.example", "commit", "-q", "-m", "A second court"]
        )
        try await WebhookBenchmark.applyExample(stage.url, masterKey: stage.masterKey, project: repository)
        let clock = ContinuousClock()
        let applied = clock.now
        var refreshed = 0
        for port in ports {
            while clock.now - applied < .seconds(10) {
                let gauges = try await WebhookBenchmark.catalogGauges(port)
                if gauges.businesses == before.businesses + 1 && gauges.numbers == before.numbers + 1 {
                    refreshed += 1
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return (refreshed, (clock.now - applied).seconds)
    }

    /// A server's catalog as its `/metrics` says: businesses and WhatsApp numbers routed.
    static func catalogGauges(_ port: Int) async throws -> (businesses: Double, numbers: Double) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"),
            timeout: .seconds(5)
        )
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        func value(_ name: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        }
        return (value("talab_catalog_businesses"), value("talab_catalog_numbers"))
    }

    /// Pairs of one customer's messages handled in the other order than they were stored (the
    /// inbox's ids are the order of arrival; the message log's, the order of handling).
    static let outOfOrder = PostgresStatement(
        "bench.out_of_order",
        """
        WITH stored AS (
            SELECT id AS inbox_id, convert_from(body, 'UTF8')::jsonb #>> '{entry,0,changes,0,value,messages,0,id}' AS message_id,
                   convert_from(body, 'UTF8')::jsonb #>> '{entry,0,changes,0,value,messages,0,from}' AS customer
            FROM webhook_inbox
        ), handled AS (
            SELECT s.customer, s.inbox_id, m.id AS log_id
            FROM stored s JOIN audit.message_logs m ON m.meta_message_id = s.message_id AND m.direction = 'inbound'
        )
        SELECT count(*)::int AS n FROM (
            SELECT log_id, lag(log_id) OVER (PARTITION BY customer ORDER BY inbox_id) AS previous FROM handled
        ) pairs WHERE previous > log_id
        """
    )

    /// Leases a killed process left behind (each counted once when taken over), and dead letters.
    static let leases = PostgresStatement(
        "bench.leases",
        """
        SELECT coalesce(sum(lost_attempts), 0)::int AS lost, count(*) FILTER (WHERE state = 'failed')::int AS dead
        FROM webhook_inbox
        """
    )

    /// The inbox's pending bodies now, and the rate at which they are handled until none is left.
    static func drainRate(_ url: DatabaseURL) async throws -> (backlog: Int, perSecond: Double) {
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let backlog = try await pool.query(WebhookBenchmark.pending)[0].decode(Int.self, "n")
        let took = try await waitForDrain(pool)
        return (backlog, backlog > 0 ? Double(backlog) / took.seconds : 0)
    }

    /// Waits until the inbox has no pending body (at most 10 minutes); how long that took. Counting
    /// is a scan of the pending rows: often enough to time seconds, rarely enough not to take the
    /// database's time from the workers.
    static func waitForDrain(_ pool: PostgresPool) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        while try await pool.query(WebhookBenchmark.pending)[0].decode(Int.self, "n") > 0 {
            guard clock.now - start < .seconds(600) else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return clock.now - start
    }

    static let errors = PostgresStatement(
        "bench.errors",
        "SELECT error, count(*)::int AS n FROM webhook_inbox WHERE error IS NOT NULL GROUP BY error ORDER BY 2 DESC"
    )
    static let pending = PostgresStatement(
        "bench.pending",
        "SELECT count(*)::int AS n FROM webhook_inbox WHERE state = 'pending'"
    )
    static let lost = PostgresStatement(
        "bench.lost",
        """
        SELECT count(*)::int AS n FROM unnest($1::text[]) AS a(id)
        WHERE NOT EXISTS (SELECT 1 FROM audit.message_logs m WHERE m.meta_message_id = a.id AND m.direction = 'inbound')
        """
    )
    /// An inbound message answered more than once (one text reply each is the effect).
    static let duplicated = PostgresStatement(
        "bench.duplicated",
        """
        SELECT count(*)::int AS n FROM (
            SELECT body->'context'->>'message_id' FROM outbound_messages WHERE body->>'type' = 'text'
            GROUP BY 1 HAVING count(*) > 1) d
        """
    )

    /// A fresh database `name` on the bench cluster, migrated, with the example tenants applied.
    static func exampleDatabase(
        _ name: String,
        server: DatabaseURL,
        migrations: [Migration],
        masterKey: String,
        project: URL,
        progress: @Sendable (String) -> Void
    ) async throws -> DatabaseURL {
        let url = try await BenchDatabase.fresh(name, on: server, migrations: migrations)
        progress("applying the example tenants")
        try await applyExample(url, masterKey: masterKey, project: project)
        return url
    }

    /// The environment `talab serve` runs with in a benchmark: its secrets, quiet logs.
    static func serveEnvironment(masterKey: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = WebhookBenchmark.appSecret
        environment["TALAB_WHATSAPP_VERIFY_TOKEN"] = "bench"
        environment["TALAB_MASTER_KEY"] = masterKey
        environment["TALAB_LOG_LEVEL"] = "error"
        return environment
    }

    static func applyExample(_ url: DatabaseURL, masterKey: String, project: URL) async throws {
        let source = try GitCommitSource(repository: GitRepository(discoveringFrom: project.path), revision: "HEAD")
        let validation = try TenantLoader().load(from: source)
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let objects = LocalObjectStore(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-objects")
        )
        _ = try await Reconciler(
            pool: pool,
            secrets: BenchSecrets(),
            sealer: try SecretSealer(base64Key: masterKey),
            objects: objects
        ).apply(validation.tenants, commit: source.commit)
    }

    func waitUntilHealthy(_ port: Int) async throws { try await WebhookBenchmark.waitUntilHealthy(port) }

    static func waitUntilHealthy(_ port: Int) async throws {
        for _ in 0..<300 {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")
            if (try? await HTTPClient.shared.execute(request, timeout: .seconds(1)))?.status == .ok { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterError("talab serve did not become ready on port \(port)")
    }

    struct Outcome: Sendable {
        var latencies: [Double] = []
        var sent = 0
        var acknowledgedIDs: [String] = []
        var elapsed = 0.0

        func step(target: Int, seconds: Double, rss: Int) -> Step {
            Step(
                target: target,
                sent: sent,
                acknowledged: acknowledgedIDs.count,
                perSecond: Double(acknowledgedIDs.count) / max(elapsed, 0.001),
                p50: percentile(0.5, of: latencies),
                p99: percentile(0.99, of: latencies),
                rssBytes: rss
            )
        }
    }

    /// Sends signed text messages from 2,000 customers for `seconds`, paced to `rate` (0: unpaced),
    /// over `connections` keep-alive connections of a lean client (`LoadClient`).
    private func drive(port: Int, rate: Int, label: String, signature: WebhookSignature) async throws -> Outcome {
        let counter = Counter()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        let client = LoadClient(host: "127.0.0.1", port: port)
        let host = "127.0.0.1:\(port)"
        @Sendable func request(_ index: Int) -> ByteBuffer {
            let body = WebhookBenchmark.body(id: "wamid.bench.\(label).\(index)", customer: index % 2000)
            return LoadClient.post(
                path: "/webhooks/whatsapp",
                host: host,
                body: body,
                signature: signature.header(for: body)
            )
        }
        @Sendable func next() -> (index: Int, due: ContinuousClock.Instant)? {
            let index = counter.value.wrappingAdd(1, ordering: .relaxed).oldValue
            if rate > 0 {
                let due = start + .seconds(Double(index) / Double(rate))
                return due < end ? (index, due) : nil
            }
            let now = clock.now
            return now < end ? (index, now) : nil
        }
        let results = await withTaskGroup(of: LoadClient.Result.self) { group in
            for _ in 0..<connections {
                group.addTask { await client.run(request: request, next: next, giveUpAt: end + .seconds(30)) }
            }
            var all: [LoadClient.Result] = []
            for await result in group { all.append(result) }
            return all
        }
        var outcome = Outcome()
        for result in results {
            outcome.sent += result.answers.count + result.failed
            for answer in result.answers where answer.ok {
                outcome.latencies.append(answer.seconds)
                outcome.acknowledgedIDs.append("wamid.bench.\(label).\(answer.index)")
            }
        }
        outcome.elapsed = (clock.now - start).seconds
        return outcome
    }

    static func body(id: String, customer: Int) -> [UInt8] {
        let phone = "9617\(String(format: "%07d", customer))"
        return Array(
            """
            {"object":"whatsapp_business_account","entry":[{"id":"BENCH","changes":[{"field":"messages","value":{\
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"9611000000","phone_number_id":"\(number)"},\
            "contacts":[{"profile":{"name":"Customer \(customer)"},"wa_id":"\(phone)"}],\
            "messages":[{"from":"\(phone)","id":"\(id)","timestamp":"\(Int(Date().timeIntervalSince1970))",\
            "type":"text","text":{"body":"baddi court bokra 8 l masa"}}]}}]}]}
            """.utf8
        )
    }

    /// The process's resident memory now and at its peak, from /proc.
    static func memory(of pid: pid_t) -> (current: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func value(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0)
                * 1024
        }
        return (value("VmRSS:"), value("VmHWM:"))
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

/// What a benchmark of a live `talab serve` stands on: a fresh example database, a fake Graph API
/// on loopback, a free port, and the server's arguments and environment for them.
struct BenchStage {
    let url: DatabaseURL
    let masterKey: String
    let graph: FakeGraphAPI
    let graphServer: LoopbackServer
    let port: Int

    static func make(
        _ name: String,
        server: DatabaseURL,
        migrations: [Migration],
        project: URL,
        progress: @Sendable (String) -> Void
    ) async throws -> BenchStage {
        let masterKey = Data(repeating: 5, count: 32).base64EncodedString()
        let url = try await WebhookBenchmark.exampleDatabase(
            name,
            server: server,
            migrations: migrations,
            masterKey: masterKey,
            project: project,
            progress: progress
        )
        let graph = FakeGraphAPI()
        let graphServer = try await LoopbackServer.start(graph.router())
        return BenchStage(
            url: url,
            masterKey: masterKey,
            graph: graph,
            graphServer: graphServer,
            port: try PrivateCluster.freeLoopbackPort()
        )
    }

    var arguments: [String] {
        ["serve", "--database-url", url.unredacted, "--port", String(port), "--graph-url", graphServer.url]
    }

    var environment: [String: String] { WebhookBenchmark.serveEnvironment(masterKey: masterKey) }

    /// A signed webhook `body` posted on a connection of its own; whether it was acknowledged (200).
    func post(_ body: [UInt8], timeout: TimeAmount = .seconds(5)) async -> Bool {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: BenchStage.signature.header(for: body))
        request.headers.add(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(bytes: body))
        return (try? await HTTPClient.shared.execute(request, timeout: timeout))?.status == .ok
    }

    static let signature = WebhookSignature(appSecret: WebhookBenchmark.appSecret)
}
