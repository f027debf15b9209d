import AsyncHTTPClient
public import Foundation
import NIOCore
import Synchronization
import TalabConfig
public import TalabCore
import TalabDev
public import TalabStore
public import TalabWhatsApp

/// `talab bench conversation`: the corpus replayed through the engine (accuracy per language,
/// grounding, engine time per message), then whole conversations through a live `talab serve`:
/// signed webhook in, reply out at the fake Graph API, timed, many customers at once.
public struct ConversationBenchmark: Sendable {
    public let corpus: URL
    /// The repository whose tenants (at HEAD) the corpus is replayed against.
    public let repository: URL
    /// Replays of the corpus for the engine timing.
    public let passes: Int
    public let conversations: Int
    public let messages: Int
    /// A customer's pause between reading a reply and writing again.
    public let thinkSeconds: Double
    public let executable: String
    public let project: URL

    public init(
        corpus: URL,
        repository: URL,
        passes: Int,
        conversations: Int,
        messages: Int,
        thinkSeconds: Double,
        executable: String,
        project: URL
    ) {
        self.corpus = corpus
        self.repository = repository
        self.passes = passes
        self.conversations = conversations
        self.messages = messages
        self.thinkSeconds = thinkSeconds
        self.executable = executable
        self.project = project
    }

    /// The corpus and the tenants it runs against: the repository's at HEAD, and the businesses a
    /// corpus brings in the `Tenants/` folder beside it (menus the engine was never tuned on, issue #18).
    func loaded() throws -> (ConversationCorpus, [String: TenantConfig]) {
        let corpus = try ConversationCorpus.load(from: corpus)
        let source = try GitCommitSource(repository: GitRepository(discoveringFrom: repository.path), revision: "HEAD")
        let validation = try TenantLoader().load(from: source)
        var tenants = Dictionary(validation.tenants.map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
        for tenant in try ConversationCorpus.tenants(beside: self.corpus) { tenants[tenant.slug] = tenant }
        return (corpus, tenants)
    }

    public func replayCorpus() throws -> CorpusReport {
        let (corpus, tenants) = try loaded()
        var report = try corpus.run(tenants: tenants)
        for _ in 1..<max(passes, 1) { report.engineSeconds += try corpus.run(tenants: tenants).engineSeconds }
        return report
    }

    /// The corpus with a language model behind the engine, as the runtime uses one in `mode`.
    public struct ModelRun: Sendable {
        public let mode: ModelMode
        public let report: CorpusReport
        /// Every answer the model gave (or failed to give), one per line asked.
        public let outcomes: [ModelOutcome]

        public var summary: String {
            var tokensIn = 0
            var tokensOut = 0
            var answered = 0
            var milliseconds: [Double] = []
            var failures: [String: Int] = [:]
            for outcome in outcomes {
                switch outcome {
                case .proposed(_, let usage):
                    answered += 1
                    tokensIn += usage.tokensIn ?? 0
                    tokensOut += usage.tokensOut ?? 0
                    milliseconds.append(Double(usage.milliseconds))
                case .failed(let code, let elapsed):
                    failures[code, default: 0] += 1
                    milliseconds.append(Double(elapsed))
                }
            }
            let wrong = report.byLanguage.values.reduce(0) { $0 + $1.wrongCarts }
            return String(
                format:
                    "model (%@): %d of %d turns went to the model, %d proposals used; %.0f tokens in, %.0f out per call; latency p50 %.0f ms, p99 %.0f ms; failures %@; confident wrong carts %d\n",
                mode.rawValue,
                report.modelAsked,
                report.turns,
                report.modelUsed,
                answered == 0 ? 0 : Double(tokensIn) / Double(answered),
                answered == 0 ? 0 : Double(tokensOut) / Double(answered),
                TalabBench.percentile(0.5, of: milliseconds),
                TalabBench.percentile(0.99, of: milliseconds),
                failures.isEmpty
                    ? "none"
                    : failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                        .joined(separator: ", "),
                wrong
            )
        }
    }

    /// Replays the corpus with `client` behind the engine in `mode`: the lines the runtime would
    /// send are sent (several at a time), and the replay is run again with the proposals, round
    /// after round while later turns of a conversation meet a conversation the model changed.
    public func replay(with client: LanguageModelClient, mode: ModelMode) async throws -> ModelRun {
        let (corpus, tenants) = try loaded()
        var proposals: [String: ModelProposal] = [:]
        var outcomes: [ModelOutcome] = []
        for _ in 0..<4 {
            var turns: [ModelTurn] = []
            _ = try corpus.run(tenants: tenants, model: mode, proposals: proposals) { turns.append($0) }
            guard !turns.isEmpty else { break }
            let answers = await withTaskGroup(of: (ModelTurn, ModelOutcome).self) { group in
                var answers: [(ModelTurn, ModelOutcome)] = []
                var next = 0
                func start() {
                    let turn = turns[next]
                    next += 1
                    group.addTask { (turn, await client.propose(turn.text, context: turn.context)) }
                }
                while next < min(turns.count, client.settings.concurrency) { start() }
                while let answer = await group.next() {
                    answers.append(answer)
                    if next < turns.count { start() }
                }
                return answers
            }
            for (turn, outcome) in answers {
                outcomes.append(outcome)
                let actions: [ModelAction] = if case .proposed(let actions, _) = outcome { actions } else { [] }
                proposals[turn.key] = ModelProposal(basis: turn.basis, actions: actions)
            }
        }
        return ModelRun(
            mode: mode,
            report: try corpus.run(tenants: tenants, model: mode, proposals: proposals),
            outcomes: outcomes
        )
    }

    public struct RoundTrips: Sendable {
        /// Seconds from posting a webhook to the first reply reaching the fake Graph API.
        public var seconds: [Double] = []
        /// The same, by line of the script: which kind of message is slow.
        public var byLine: [String: [Double]] = [:]
        public var timeouts = 0
        public var wallSeconds = 0.0
        public var ordersPlaced = 0
        /// Where the time went, from the rows' own timestamps (transaction starts): waiting in the
        /// inbox for a worker, and from the worker's transaction to the sender's, p50 and p99 in ms.
        public var stages: [(name: String, p50: Double, p99: Double)] = []

        public func percentile(_ fraction: Double, of samples: [Double]? = nil) -> Double {
            TalabBench.percentile(fraction, of: samples ?? seconds)
        }
    }

    /// What each customer writes, in turn, at the Hamra branch.
    static let script = [
        "hi", "how much is the fattoush?", "baddi 2 falafel w 1 hummus, takeaway", "akid", "wen sar talabi?",
        "bonjour, vous êtes ouverts ?", "je voudrais deux taouk, à emporter", "oui", "شكرا", "menu",
    ]
    static let hamra = "106540352242999"

    static let stages = [
        (
            "inbox → worker",
            """
            SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::text AS p50,
                   (percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::text AS p99
            FROM (SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms FROM webhook_inbox
                  WHERE processed_at IS NOT NULL) s
            """
        ),
        (
            "worker → sender",
            """
            SELECT (percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::text AS p50,
                   (percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::text AS p99
            FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM outbound_messages
                  WHERE sent_at IS NOT NULL) s
            """
        ),
    ]

    public func roundTrips(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws -> RoundTrips {
        let masterKey = Data(repeating: 6, count: 32).base64EncodedString()
        let url = try await WebhookBenchmark.exampleDatabase(
            "talab_bench_conversation",
            server: server,
            migrations: migrations,
            masterKey: masterKey,
            project: project,
            progress: progress
        )

        let waiters = Waiters()
        let graph = FakeGraphAPI(observer: { received in
            guard received.body["status"] == nil, let to = received.body["to"]?.string else { return }
            waiters.arrived(to)
        })
        let graphServer = try await LoopbackServer.start(graph.router())
        defer { Task { try? await graphServer.stop() } }
        let port = try PrivateCluster.freeLoopbackPort()
        let environment = WebhookBenchmark.serveEnvironment(masterKey: masterKey)
        // Meta allows 80 messages a second per number; the fake does not limit, and neither does
        // the server here, so that the figure is our pipeline's.
        let pid = try Subprocess.spawn(
            executable,
            [
                "serve", "--database-url", url.unredacted, "--port", String(port), "--graph-url", graphServer.url,
                "--send-rate", "10000",
            ],
            environment: environment
        )
        defer {
            kill(pid, SIGTERM)
            Subprocess.wait(pid)
        }
        try await WebhookBenchmark.waitUntilHealthy(port)
        progress("\(conversations) customers, \(messages) messages each, \(thinkSeconds) s to think between")
        let signature = WebhookSignature(appSecret: WebhookBenchmark.appSecret)
        let webhook = "http://127.0.0.1:\(port)/webhooks/whatsapp"
        let started = ContinuousClock.now
        var result = RoundTrips()
        let (messages, think) = (self.messages, self.thinkSeconds)
        let samples = await withTaskGroup(of: [(Int, Double?)].self) { group in
            for customer in 0..<conversations {
                group.addTask {
                    let phone = "9617\(1_000_000 + customer)"
                    var timings: [(Int, Double?)] = []
                    // Customers do not all start in the same millisecond.
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 0...Int(think * 1000))))
                    for index in 0..<messages {
                        let text = ConversationBenchmark.script[index % ConversationBenchmark.script.count]
                        let body = ChatClient.payload(
                            .text(text),
                            id: "wamid.BENCH.\(customer).\(index)",
                            phoneNumberID: ConversationBenchmark.hamra,
                            phone: phone,
                            userID: nil,
                            name: "Customer \(customer)"
                        )
                        waiters.reset(phone)
                        var request = HTTPClientRequest(url: webhook)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let sent = ContinuousClock.now
                        guard (try? await HTTPClient.shared.execute(request, timeout: .seconds(10)))?.status == .ok
                        else {
                            timings.append((index, nil))
                            continue
                        }
                        let replied = await waiters.wait(phone, timeout: .seconds(10))
                        timings.append((index, replied ? (ContinuousClock.now - sent).seconds : nil))
                        let pause = think * Double.random(in: 0.5...1.5)
                        try? await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                    }
                    return timings
                }
            }
            return await group.reduce(into: [(Int, Double?)]()) { $0 += $1 }
        }
        result.wallSeconds = (ContinuousClock.now - started).seconds
        result.seconds = samples.compactMap(\.1)
        result.timeouts = samples.count - result.seconds.count
        for (index, seconds) in samples {
            guard let seconds else { continue }
            result.byLine[ConversationBenchmark.script[index % ConversationBenchmark.script.count], default: []]
                .append(seconds)
        }
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        result.ordersPlaced = try await pool.query(
            PostgresStatement("bench.orders", "SELECT count(*)::int AS n FROM orders")
        )[0].decode(Int.self, "n")
        for (name, sql) in ConversationBenchmark.stages {
            let row = try await pool.query(PostgresStatement("bench.stage", sql, prepared: false))[0]
            let p50 = try row.decode(String?.self, "p50").flatMap(Double.init) ?? 0
            result.stages.append((name, p50, try row.decode(String?.self, "p99").flatMap(Double.init) ?? 0))
        }
        return result
    }
}

/// Customers waiting for their next reply, woken by the fake Graph API's observer.
final class Waiters: Sendable {
    private struct Entry {
        var arrived = 0
        var waiter: CheckedContinuation<Bool, Never>?
    }
    private let entries = Mutex([String: Entry]())

    /// Forgets replies that came before: the next wait is for a new message's reply.
    func reset(_ phone: String) {
        entries.withLock { $0[phone, default: Entry()].arrived = 0 }
    }

    func arrived(_ phone: String) {
        let waiter = entries.withLock { entries -> CheckedContinuation<Bool, Never>? in
            entries[phone, default: Entry()].arrived += 1
            defer { entries[phone]?.waiter = nil }
            return entries[phone]?.waiter
        }
        waiter?.resume(returning: true)
    }

    /// True when a reply arrived (maybe already), false after `timeout`.
    func wait(_ phone: String, timeout: Duration) async -> Bool {
        let timer = Task {
            try await Task.sleep(for: timeout)
            let waiter = entries.withLock { entries -> CheckedContinuation<Bool, Never>? in
                defer { entries[phone]?.waiter = nil }
                return entries[phone]?.waiter
            }
            waiter?.resume(returning: false)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = entries.withLock { entries -> Bool in
                if entries[phone, default: Entry()].arrived > 0 { return true }
                entries[phone]?.waiter = continuation
                return false
            }
            if ready { continuation.resume(returning: true) }
        }
    }
}
