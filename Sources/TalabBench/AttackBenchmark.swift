import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import TalabServer
import TalabStore

/// The attack of the hardening issue, replayed against a live `talab serve` on loopback with its
/// default limits: idle and slow clients, bodies held at their last byte, hostile signed messages,
/// an amplifying body, then SIGTERM while clients still hold connections. Each case reports what
/// happened, the server's memory before and after, and how long a signed webhook took meanwhile.
public struct AttackBenchmark: Sendable {
    public let executable: String
    public let project: URL
    /// Idle connections of the first case (this process's own descriptors bound it).
    public let idle: Int
    public let slow: Int
    public let heldBodies: Int

    public init(executable: String, project: URL, idle: Int, slow: Int, heldBodies: Int) {
        self.executable = executable
        self.project = project
        self.idle = idle
        self.slow = slow
        self.heldBodies = heldBodies
    }

    public struct Case: Sendable {
        public let name: String
        public let outcome: String
        public let rssBefore: Int
        public let rssAfter: Int
        /// The slowest of a few signed webhooks sent during the case, in seconds (nil: none sent).
        public let signedWebhook: Double?
    }

    public struct Report: Sendable {
        public var cases: [Case] = []
        public var peakRSS = 0
        public var sigtermSeconds = 0.0
        public var exitStatus: Int32 = 0
        public var alive = true
    }

    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws -> Report {
        let masterKey = Data(repeating: 5, count: 32).base64EncodedString()
        let url = try await WebhookBenchmark.exampleDatabase(
            "talab_bench_attack",
            server: server,
            migrations: migrations,
            masterKey: masterKey,
            project: project,
            progress: progress
        )
        let graph = FakeGraphAPI()
        let graphServer = try await LoopbackServer.start(graph.router())
        defer { Task { try? await graphServer.stop() } }
        let port = try PrivateCluster.freeLoopbackPort()
        let pid = try Subprocess.spawn(
            executable,
            ["serve", "--database-url", url.unredacted, "--port", String(port), "--graph-url", graphServer.url],
            environment: WebhookBenchmark.serveEnvironment(masterKey: masterKey)
        )
        var exited = false
        defer {
            if !exited {
                kill(pid, SIGKILL)
                Subprocess.wait(pid)
            }
        }
        try await WebhookBenchmark.waitUntilHealthy(port)
        let signature = WebhookSignature(appSecret: WebhookBenchmark.appSecret)
        var report = Report()
        var sequence = 0
        func rss() -> Int { WebhookBenchmark.memory(of: pid).current }
        /// A few signed webhooks on fresh connections, one after another; the slowest time, or nil
        /// when one was not acknowledged.
        func signed(_ count: Int = 5) async -> Double? {
            var slowest = 0.0
            for _ in 0..<count {
                sequence += 1
                let body = WebhookBenchmark.body(id: "wamid.attack.\(sequence)", customer: 100_000 + sequence)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
                request.method = .POST
                request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
                request.headers.add(name: "Connection", value: "close")
                request.body = .bytes(ByteBuffer(bytes: body))
                let clock = ContinuousClock()
                let started = clock.now
                guard (try? await HTTPClient.shared.execute(request, timeout: .seconds(5)))?.status == .ok else {
                    return nil
                }
                slowest = max(slowest, (clock.now - started).seconds)
            }
            return slowest
        }
        // Past the server's memory trim (every 10 s), so "after" is what stays.
        func settle() async throws { try await Task.sleep(for: .seconds(11)) }

        // 1. Connections that send nothing, as many as this process may open.
        progress("\(idle) idle connections")
        var before = rss()
        var sockets: [LoopbackSocket] = []
        for _ in 0..<idle {
            guard let socket = LoopbackSocket(port: port) else { break }
            sockets.append(socket)
        }
        try await Task.sleep(for: .milliseconds(500))
        var during = await signed()
        report.peakRSS = max(report.peakRSS, WebhookBenchmark.memory(of: pid).peak)
        let evicted = sockets.filter(\.isClosed).count
        let opened = sockets.count
        sockets.removeAll()
        try await settle()
        report.cases.append(
            Case(
                name: "idle connections",
                outcome: "\(opened) opened, \(evicted) closed by the limit for newer ones",
                rssBefore: before,
                rssAfter: rss(),
                signedWebhook: during
            )
        )

        // 2. Slowloris: a header byte every second, never a whole head.
        progress("\(slow) slow clients for 12 s")
        before = rss()
        for _ in 0..<slow {
            guard let socket = LoopbackSocket(port: port) else { break }
            socket.send("POST /webhooks/whatsapp HTTP/1.1\r\nHost: attack\r\n")
            sockets.append(socket)
        }
        for second in 0..<12 {
            for socket in sockets { socket.send("X-\(second): y\r\n") }
            try await Task.sleep(for: .seconds(1))
        }
        during = await signed()
        let slowClosed = sockets.filter(\.isClosed).count
        let slowOpened = sockets.count
        sockets.removeAll()
        try await settle()
        report.cases.append(
            Case(
                name: "slow headers (slowloris)",
                outcome: "\(slowClosed) of \(slowOpened) closed after 12 s (header deadline 10 s)",
                rssBefore: before,
                rssAfter: rss(),
                signedWebhook: during
            )
        )

        // 3. Unsigned 3 MiB bodies held at their last byte.
        progress("\(heldBodies) unsigned 3 MiB bodies held at their last byte")
        before = rss()
        let size = WebhookController<BasicRequestContext>.maxBody
        let payload = [UInt8](repeating: 0x61, count: size - 1)
        var offsets: [Int] = []
        for _ in 0..<heldBodies {
            guard let socket = LoopbackSocket(port: port) else { break }
            socket.send(
                "POST /webhooks/whatsapp HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
                    + "X-Hub-Signature-256: sha256=00\r\nContent-Length: \(size)\r\n\r\n"
            )
            sockets.append(socket)
            offsets.append(0)
        }
        let pushUntil = ContinuousClock.now + .seconds(8)
        while ContinuousClock.now < pushUntil {
            var progressed = false
            for (index, socket) in sockets.enumerated() where offsets[index] < payload.count {
                let sent = socket.send(payload[offsets[index]...])
                offsets[index] += sent
                progressed = progressed || sent > 0
            }
            if !progressed { try await Task.sleep(for: .milliseconds(50)) }
        }
        during = await signed()
        let peakDuring = WebhookBenchmark.memory(of: pid)
        report.peakRSS = max(report.peakRSS, peakDuring.peak)
        let refused = sockets.filter { $0.received().contains(" 503 ") }.count
        let delivered = offsets.filter { $0 == payload.count }.count
        sockets.removeAll()
        try await settle()
        report.cases.append(
            Case(
                name: "3 MiB bodies held at the last byte",
                outcome: "\(delivered) sent whole less one byte, \(refused) refused 503 (budget), RSS peak "
                    + "\(peakDuring.peak >> 20) MiB",
                rssBefore: before,
                rssAfter: rss(),
                signedWebhook: during
            )
        )

        // 4. Signed messages whose reply ids and pages trapped the engine.
        progress("signed hostile reply ids")
        before = rss()
        let ids = [
            "", ":", "::", String(repeating: ":", count: 10_240), "menu:more:-5", "menu:more:9223372036854775807",
            "slots:more:-1", "slot:padel-60:-1",
        ]
        var accepted = 0
        for (index, id) in ids.enumerated() {
            let body = AttackBenchmark.buttonBody(id: "wamid.attack.button.\(index)", reply: id)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
            request.method = .POST
            request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            if (try? await HTTPClient.shared.execute(request, timeout: .seconds(5)))?.status == .ok { accepted += 1 }
        }
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let inbox = WebhookInbox(pool: pool)
        var counts = try await inbox.counts()
        for _ in 0..<100 where counts.pending > 0 {
            try await Task.sleep(for: .milliseconds(100))
            counts = try await inbox.counts()
        }
        during = await signed()
        report.alive = kill(pid, 0) == 0
        report.cases.append(
            Case(
                name: "signed hostile reply ids",
                outcome: "\(accepted) of \(ids.count) acknowledged; inbox: \(counts.pending) pending, \(counts.failed) "
                    + "dead; server \(report.alive ? "alive" : "DEAD")",
                rssBefore: before,
                rssAfter: rss(),
                signedWebhook: during
            )
        )

        // 5. One signed body of 10,000 messages, one of them a 1,000,000-character text.
        progress("a signed body of 10,000 messages")
        before = rss()
        let amplifier = AttackBenchmark.floodBody(messages: 10_000)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
        request.method = .POST
        request.headers.add(name: "X-Hub-Signature-256", value: signature.header(for: amplifier))
        request.body = .bytes(ByteBuffer(bytes: amplifier))
        let amplified = (try? await HTTPClient.shared.execute(request, timeout: .seconds(10)))?.status == .ok
        for _ in 0..<200 {
            counts = try await inbox.counts()
            if counts.pending == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let logged = try await pool.query(AttackBenchmark.floodLogged)[0].decode(Int.self, "n")
        let longest = try await pool.query(AttackBenchmark.longestText)[0].decode(Int.self, "n")
        report.cases.append(
            Case(
                name: "one body of 10,000 messages",
                outcome: "\(amplified ? "acknowledged" : "refused"), \(logged) messages handled, longest text "
                    + "\(longest) characters",
                rssBefore: before,
                rssAfter: rss(),
                signedWebhook: await signed()
            )
        )

        // 6. SIGTERM while clients hold a body and a head open.
        progress("SIGTERM with clients holding connections")
        for index in 0..<50 {
            guard let socket = LoopbackSocket(port: port) else { break }
            socket.send(
                index % 2 == 0
                    ? "POST /webhooks/whatsapp HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n\(String(repeating: "a", count: 99))"
                    : "GET /healthz HTTP/1.1\r\nHo"
            )
            sockets.append(socket)
        }
        try await Task.sleep(for: .milliseconds(300))
        let clock = ContinuousClock()
        let started = clock.now
        kill(pid, SIGTERM)
        report.exitStatus = Subprocess.wait(pid)
        exited = true
        report.sigtermSeconds = (clock.now - started).seconds
        sockets.removeAll()
        return report
    }

    static let floodLogged = PostgresStatement(
        "bench.attack.flood",
        "SELECT count(*)::int AS n FROM audit.message_logs WHERE meta_message_id LIKE 'wamid.attack.flood.%'"
    )
    static let longestText = PostgresStatement(
        "bench.attack.longest",
        "SELECT coalesce(max(length(text)), 0)::int AS n FROM audit.message_logs"
    )

    static func buttonBody(id: String, reply: String) -> [UInt8] {
        let value: [String: Any] = [
            "metadata": ["phone_number_id": WebhookBenchmark.number],
            "contacts": [["wa_id": "96170999000", "profile": ["name": "Attacker"]]],
            "messages": [
                [
                    "from": "96170999000", "id": id, "timestamp": "1790000000", "type": "interactive",
                    "interactive": ["type": "button_reply", "button_reply": ["id": reply, "title": "x"]],
                ]
            ],
        ]
        return envelope(value)
    }

    static func floodBody(messages: Int) -> [UInt8] {
        let value: [String: Any] = [
            "metadata": ["phone_number_id": WebhookBenchmark.number],
            "contacts": [["wa_id": "96170999001", "profile": ["name": "Flood"]]],
            "messages": (0..<messages).map { index in
                [
                    "from": "96170999001", "id": "wamid.attack.flood.\(index)", "timestamp": "1790000000",
                    "type": "text", "text": ["body": index == 0 ? String(repeating: "a", count: 1_000_000) : "hi"],
                ] as [String: Any]
            },
        ]
        return envelope(value)
    }

    static func envelope(_ value: [String: Any]) -> [UInt8] {
        let body: [String: Any] = [
            "object": "whatsapp_business_account",
            "entry": [["id": "ATTACK", "changes": [["field": "messages", "value": value]]]],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }
}
