import AsyncHTTPClient
public import Foundation
import Hummingbird
import NIOCore
import TalabApp
import TalabDev
public import TalabStore
import TalabWhatsApp

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
        let stage = try await BenchStage.make(
            "talab_bench_attack",
            server: server,
            migrations: migrations,
            project: project,
            progress: progress
        )
        defer { Task { try? await stage.graphServer.stop() } }
        let (url, port) = (stage.url, stage.port)
        let pid = try Subprocess.spawn(executable, stage.arguments, environment: stage.environment)
        var exited = false
        defer {
            if !exited {
                kill(pid, SIGKILL)
                Subprocess.wait(pid)
            }
        }
        try await WebhookBenchmark.waitUntilHealthy(port)
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
                let clock = ContinuousClock()
                let started = clock.now
                guard await stage.post(body) else { return nil }
                slowest = max(slowest, (clock.now - started).seconds)
            }
            return slowest
        }
        var sockets: [LoopbackSocket] = []
        /// Closes the case's clients, waits past the server's memory trim (every 10 s) so that
        /// "after" is what stays, and records the case.
        func record(_ name: String, _ outcome: String, since before: Int, signed during: Double?) async throws {
            sockets.removeAll()
            try await Task.sleep(for: .seconds(11))
            report.cases.append(
                Case(name: name, outcome: outcome, rssBefore: before, rssAfter: rss(), signedWebhook: during)
            )
        }

        // 1. Connections that send nothing, as many as this process may open.
        progress("\(idle) idle connections")
        var before = rss()
        for _ in 0..<idle {
            guard let socket = try? LoopbackSocket(port: port) else { break }
            sockets.append(socket)
        }
        try await Task.sleep(for: .milliseconds(500))
        var during = await signed()
        report.peakRSS = max(report.peakRSS, WebhookBenchmark.memory(of: pid).peak)
        let evicted = sockets.filter(\.isClosed).count
        let opened = sockets.count
        try await record(
            "idle connections",
            "\(opened) opened, \(evicted) closed by the limit for newer ones",
            since: before,
            signed: during
        )

        // 2. Slowloris: a header byte every second, never a whole head.
        progress("\(slow) slow clients for 12 s")
        before = rss()
        for _ in 0..<slow {
            guard let socket = try? LoopbackSocket(port: port) else { break }
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
        try await record(
            "slow headers (slowloris)",
            "\(slowClosed) of \(slowOpened) closed after 12 s (header deadline 10 s)",
            since: before,
            signed: during
        )

        // 3. Unsigned 3 MiB bodies held at their last byte.
        progress("\(heldBodies) unsigned 3 MiB bodies held at their last byte")
        before = rss()
        let size = WebhookController<AppRequestContext>.maxBody
        let payload = [UInt8](repeating: 0x61, count: size - 1)
        var offsets: [Int] = []
        for _ in 0..<heldBodies {
            guard let socket = try? LoopbackSocket(port: port) else { break }
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
        let refused = sockets.filter { $0.read(timeout: .zero).text.contains(" 503 ") }.count
        let delivered = offsets.filter { $0 == payload.count }.count
        try await record(
            "3 MiB bodies held at the last byte",
            "\(delivered) sent whole less one byte, \(refused) refused 503 (budget), RSS peak "
                + "\(peakDuring.peak >> 20) MiB",
            since: before,
            signed: during
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
            if await stage.post(AttackBenchmark.buttonBody(id: "wamid.attack.button.\(index)", reply: id)) {
                accepted += 1
            }
        }
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let inbox = WebhookInbox(pool: pool)
        /// The inbox's counts once nothing is pending (or after 20 s).
        func drained() async throws -> WebhookInbox.Counts {
            var counts = try await inbox.counts()
            for _ in 0..<200 where counts.pending > 0 {
                try await Task.sleep(for: .milliseconds(100))
                counts = try await inbox.counts()
            }
            return counts
        }
        let counts = try await drained()
        during = await signed()
        report.alive = kill(pid, 0) == 0
        try await record(
            "signed hostile reply ids",
            "\(accepted) of \(ids.count) acknowledged; inbox: \(counts.pending) pending, \(counts.failed) dead; "
                + "server \(report.alive ? "alive" : "DEAD")",
            since: before,
            signed: during
        )

        // 5. One signed body of 10,000 messages, one of them a 1,000,000-character text.
        progress("a signed body of 10,000 messages")
        before = rss()
        let amplified = await stage.post(AttackBenchmark.floodBody(messages: 10_000), timeout: .seconds(10))
        _ = try await drained()
        let logged = try await pool.query(AttackBenchmark.floodLogged)[0].decode(Int.self, "n")
        let longest = try await pool.query(AttackBenchmark.longestText)[0].decode(Int.self, "n")
        try await record(
            "one body of 10,000 messages",
            "\(amplified ? "acknowledged" : "refused"), \(logged) messages handled, longest text \(longest) characters",
            since: before,
            signed: await signed()
        )

        // 6. SIGTERM while clients hold a body and a head open.
        progress("SIGTERM with clients holding connections")
        for index in 0..<50 {
            guard let socket = try? LoopbackSocket(port: port) else { break }
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
