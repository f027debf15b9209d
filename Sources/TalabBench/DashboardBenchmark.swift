public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TalabDashboard
import TalabDev
public import TalabStore
import TalabWhatsApp

/// `talab bench dashboard`: a live `talab serve` with the dashboard, a thousand boards listening to
/// its event stream, orders confirmed by customers on WhatsApp at 100 a minute (webhook → the event
/// on an open board), the server's memory with the boards open, and the board and an archived
/// order read back over 100,000 archived orders; then an item "86"ed and back again from the API,
/// each time until a customer asking for it is told what changed.
public struct DashboardBenchmark: Sendable {
    public let executable: String
    public let project: URL
    public var orders = 100
    public var perMinute = 100
    public var boards = 1_000
    public var archived = 100_000
    public var pageRequests = 200
    /// Times the item is marked out of stock and back (each is a commit and a reconcile).
    public var eightySix = 20

    public init(executable: String, project: URL) {
        self.executable = executable
        self.project = project
    }

    public struct Report: Sendable {
        /// Confirming webhook posted → the order's event read on a board, seconds, sorted.
        public var eventSeconds: [Double] = []
        public var boardsConnected = 0
        public var rssBefore = 0
        public var rssWithBoards = 0
        /// `GET /dashboard/board` and `GET /api/v1/orders/{archived id}`, seconds, sorted.
        public var boardPageSeconds: [Double] = []
        public var historyPageSeconds: [Double] = []
        public var archivedOrderSeconds: [Double] = []
        /// `POST /api/v1/items/{key}/availability` answered (committed and reconciled), seconds, sorted.
        public var eightySixCommitSeconds: [Double] = []
        /// The same request sent → a customer asking for the item is answered as it now is, seconds, sorted.
        public var eightySixToldSeconds: [Double] = []
        /// Customers who asked too early and were answered as before (each asked again).
        public var eightySixStale = 0
    }

    static let secret = "bench-dashboard-secret-0123456789abcdef"
    static let password = "bench password 2026"

    /// Events one board heard: when, which order, which status.
    final class Heard: Sendable {
        let events = Mutex<[(at: ContinuousClock.Instant, order: String, status: String)]>([])
    }

    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws -> Report {
        let stage = try await BenchStage.make(
            "talab_bench_dashboard",
            server: server,
            migrations: migrations,
            project: project,
            progress: progress
        )
        defer { Task { try? await stage.graphServer.stop() } }
        let pool = PostgresPool(url: stage.url, maxConnections: 2)
        defer { pool.close() }
        let business = try await pool.query(
            PostgresStatement("bench.business", "SELECT id FROM users WHERE slug = 'abu-salim-grill'")
        )[0].decode(UUID.self, "id")
        let hamra = try await pool.query(
            PostgresStatement("bench.hamra", "SELECT whatsapp_phone_number_id AS n FROM branches WHERE key = 'hamra'")
        )[0].decode(String.self, "n")
        progress("\(archived) archived orders for the restaurant")
        try await pool.withConnection { connection in
            try await connection.executeScript(
                DashboardBenchmark.archivedOrders(archived, business: business),
                name: "bench.archive"
            )
            try await connection.executeScript("VACUUM ANALYZE history.order_logs", name: "bench.vacuum")
        }
        _ = try await AccountStore(pool: pool).add(
            email: "owner@bench.example",
            passwordHash: try await PasswordHasher(cost: 10).hash(DashboardBenchmark.password),
            role: .owner,
            tenant: "abu-salim-grill"
        )

        var environment = stage.environment
        environment["TALAB_JWT_SECRET"] = DashboardBenchmark.secret
        // The server's clone of the tenant repository, where the dashboard commits catalog changes.
        let repository = try await DashboardBenchmark.tenantRepository(project)
        defer { try? FileManager.default.removeItem(at: repository) }
        environment["TALAB_TENANT_REPO"] = repository.path
        // The tenants' tokens as the server's environment holds them (the values the stage applied).
        for name in try DashboardBenchmark.secretNames(in: project) {
            environment[name] = BenchSecrets().value(of: .environment(name))
        }
        let pid = try Subprocess.spawn(executable, stage.arguments, environment: environment)
        defer {
            kill(pid, SIGTERM)
            Subprocess.wait(pid)
        }
        try await WebhookBenchmark.waitUntilHealthy(stage.port)
        let base = "http://127.0.0.1:\(stage.port)"
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = boards + 16
        let http = HTTPClient(
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            configuration: configuration
        )
        defer { Task { try? await http.shutdown() } }
        let token = try await DashboardBenchmark.signIn(base, http: http)

        var report = Report()
        report.rssBefore = WebhookBenchmark.memory(of: pid).current
        progress("opening \(boards) boards")
        let observer = Heard()
        let listeners = try await withThrowingTaskGroup(of: Task<Void, Never>?.self) { group in
            for index in 0..<boards {
                group.addTask {
                    var request = HTTPClientRequest(url: base + "/api/v1/board/events")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    guard let response = try? await http.execute(request, timeout: .seconds(3600)),
                        response.status == .ok
                    else { return nil }
                    return Task {
                        do {
                            for try await chunk in response.body where index == 0 {
                                DashboardBenchmark.record(String(buffer: chunk), into: observer)
                            }
                        } catch {}
                    }
                }
            }
            var tasks: [Task<Void, Never>] = []
            for try await task in group { if let task { tasks.append(task) } }
            return tasks
        }
        defer { for listener in listeners { listener.cancel() } }
        report.boardsConnected = listeners.count
        try await Task.sleep(for: .seconds(1))
        report.rssWithBoards = WebhookBenchmark.memory(of: pid).current

        progress("\(orders) orders confirmed on WhatsApp, \(perMinute) a minute")
        let interval = 60.0 / Double(perMinute)
        var customer = 0
        while report.eventSeconds.count < orders {
            // Carts made ten at a time, then confirmed one every `interval`.
            let batch = try await withThrowingTaskGroup(of: ChatClient?.self) { group in
                for _ in 0..<min(10, orders - report.eventSeconds.count) {
                    customer += 1
                    let phone = "9617" + String(format: "%07d", 4_000_000 + customer)
                    group.addTask {
                        let client = ChatClient(
                            webhookURL: base + "/webhooks/whatsapp",
                            graphURL: stage.graphServer.url,
                            appSecret: WebhookBenchmark.appSecret,
                            phoneNumberID: hamra,
                            phone: phone,
                            userID: nil,
                            http: http
                        )
                        _ = try await client.send(.text("2 falafel and a chicken shawarma no pickles, takeaway"))
                        let asked = try await client.send(.text("large"))
                        return asked.last?.choices.contains { $0.id == "confirm" } == true ? client : nil
                    }
                }
                var ready: [ChatClient] = []
                for try await client in group { if let client { ready.append(client) } }
                return ready
            }
            guard !batch.isEmpty else { throw ClusterError("no customer got as far as confirming") }
            for client in batch {
                let heardBefore = observer.events.withLock { $0.count }
                let started = ContinuousClock.now
                try await DashboardBenchmark.confirm(client, base: base, http: http)
                let deadline = started + .seconds(10)
                var latency: Double?
                while latency == nil, ContinuousClock.now < deadline {
                    latency = observer.events.withLock { events in
                        events.dropFirst(heardBefore).first { $0.status == "pending" }.map { ($0.at - started).seconds }
                    }
                    if latency == nil { try await Task.sleep(for: .milliseconds(2)) }
                }
                if let latency { report.eventSeconds.append(latency) }
                let next = started + .milliseconds(Int64(interval * 1000))
                if next > ContinuousClock.now { try await Task.sleep(until: next) }
            }
        }
        report.eventSeconds.sort()

        progress("the board page, the history page and an archived order, \(pageRequests) times each")
        let archivedID = try await pool.query(
            PostgresStatement("bench.archived_id", "SELECT id FROM history.order_logs ORDER BY at DESC LIMIT 1")
        )[0].decode(UUID.self, "id")
        for (path, keyPath) in [
            ("/dashboard/board", \Report.boardPageSeconds), ("/dashboard/history", \Report.historyPageSeconds),
            ("/api/v1/orders/\(archivedID.uuidString.lowercased())", \Report.archivedOrderSeconds),
        ] {
            var times: [Double] = []
            for _ in 0..<pageRequests {
                var request = HTTPClientRequest(url: base + path)
                request.headers.add(name: "Cookie", value: "talab_session=\(token)")
                let started = ContinuousClock.now
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 16 << 20)
                guard response.status == .ok else { throw ClusterError("\(path) answered \(response.status.code)") }
                times.append((ContinuousClock.now - started).seconds)
            }
            report[keyPath: keyPath] = times.sorted()
        }

        progress("Falafel Sandwich 86ed and back \(eightySix) times, a customer asking after each")
        for round in 0..<eightySix {
            let out = round % 2 == 0
            var request = HTTPClientRequest(url: base + "/api/v1/items/falafel-sandwich/availability")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .bytes(ByteBuffer(string: #"{"availability":"\#(out ? "out_of_stock" : "available")"}"#))
            let started = ContinuousClock.now
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw ClusterError("86 answered \(response.status.code)") }
            report.eightySixCommitSeconds.append((ContinuousClock.now - started).seconds)
            // A new customer each time asks for it until the answer says what the kitchen just said.
            var told: Double?
            var attempt = 0
            while told == nil, ContinuousClock.now < started + .seconds(10) {
                attempt += 1
                let client = ChatClient(
                    webhookURL: base + "/webhooks/whatsapp",
                    graphURL: stage.graphServer.url,
                    appSecret: WebhookBenchmark.appSecret,
                    phoneNumberID: hamra,
                    phone: "9617" + String(format: "%07d", 6_000_000 + round * 100 + attempt),
                    userID: nil,
                    http: http
                )
                let replies = try await client.send(.text("1 falafel sandwich, takeaway"), quiet: .milliseconds(30))
                let unavailable = replies.contains { $0.text.contains("not available") }
                if unavailable == out {
                    told = (ContinuousClock.now - started).seconds
                } else {
                    report.eightySixStale += 1
                }
            }
            guard let told else { throw ClusterError("round \(round): customers were not told within 10 s") }
            report.eightySixToldSeconds.append(told)
        }
        report.eightySixCommitSeconds.sort()
        report.eightySixToldSeconds.sort()
        return report
    }

    /// The environment variables the tenants' files name (`{ env: NAME }`).
    static func secretNames(in project: URL) throws -> Set<String> {
        var names: Set<String> = []
        let tenants = project.appendingPathComponent("Tenants")
        guard let files = FileManager.default.enumerator(at: tenants, includingPropertiesForKeys: nil) else {
            return []
        }
        for case let file as URL in files where file.pathExtension == "yaml" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /env:\s*([A-Z][A-Z0-9_]*)/) { names.insert(String(match.1)) }
        }
        return names
    }

    /// A git repository of the project's `Tenants/`, committed: the server's clone of the tenants.
    static func tenantRepository(_ project: URL) async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-tenants-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: project.appendingPathComponent("Tenants"),
            to: folder.appendingPathComponent("Tenants")
        )
        for arguments in [
            ["init", "-q", "-b", "main"], ["add", "-A"],
            ["-c", "user.name=Bench", "-c", "user.email=bench@talab.example", "commit", "-q", "-m", "Tenants"],
        ] {
            let outcome = try await Subprocess.run("/usr/bin/git", ["-C", folder.path] + arguments)
            guard outcome.succeeded else { throw ClusterError("git \(arguments[0]): \(outcome.output)") }
        }
        return folder
    }

    /// Notes each `order` event of a chunk of the stream.
    static func record(_ text: String, into heard: Heard) {
        let now = ContinuousClock.now
        for line in text.split(separator: "\n") where line.hasPrefix("data: {\"order\"") {
            let fields = line.split(separator: "\"")
            guard fields.count >= 8 else { continue }
            heard.events.withLock { $0.append((now, String(fields[3]), String(fields[7]))) }
        }
    }

    static func signIn(_ base: String, http: HTTPClient) async throws -> String {
        var request = HTTPClientRequest(url: base + "/api/v1/sessions")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: #"{"email":"owner@bench.example","password":"\#(password)"}"#))
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = object["token"] as? String
        else { throw ClusterError("signing in answered \(response.status.code)") }
        return token
    }

    /// The customer's tap on "Confirm", posted as Meta would, without waiting for the replies.
    static func confirm(_ client: ChatClient, base: String, http: HTTPClient) async throws {
        let body = ChatClient.payload(
            .choice(id: "confirm", title: "Confirm", fromList: false),
            id: "wamid.BENCH.\(UUID().uuidString.prefix(12))",
            phoneNumberID: await client.phoneNumberID,
            phone: await client.phone,
            userID: nil,
            name: "Bench"
        )
        var request = HTTPClientRequest(url: base + "/webhooks/whatsapp")
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: BenchStage.signature.header(for: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw ClusterError("the webhook answered \(response.status.code)") }
    }

    /// `count` archived orders of `business` over the past year.
    static func archivedOrders(_ count: Int, business: UUID) -> String {
        """
        INSERT INTO history.order_logs (id, business_id, at, body)
        SELECT id, '\(business)', at, jsonb_build_object(
            'order', jsonb_build_object('id', id, 'business_id', '\(business)', 'status', 'completed',
                'currency', 'USD', 'total', '11.00', 'language', 'english', 'created_at', at,
                'delivery_type', 'takeaway', 'completed_at', at + interval '20 minutes'),
            'customer', jsonb_build_object('phone_number', '9617' || lpad((g % 9973)::text, 7, '0')),
            'items', jsonb_build_array(jsonb_build_object('name', 'Falafel Sandwich', 'quantity', 2, 'price', '2.50',
                'options', '[]'::jsonb)),
            'timeline', '[]'::jsonb, 'archived_at', at + interval '2 days')
        FROM (
            SELECT g, gen_random_uuid() AS id,
                   now() - interval '2 days' - (g::double precision / \(count)) * interval '365 days' AS at
            FROM generate_series(1, \(count)) g
        ) generated
        """
    }
}
