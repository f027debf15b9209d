import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TalabDev
import TalabStore
import TalabTestSupport
import Testing

/// The whole server on a loopback port: webhook in, workers, reply out through the fake Graph API.
@Suite struct EndToEndTests {
    static func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func aSignedWebhookIsAnsweredItsStatusesComeBackAndTheServerFollowsAnApply() async throws {
        let live = try await LiveServer.start()
        let (fixture, graph) = (live.fixture, live.graph)

        func post(_ body: [UInt8]) async throws -> Int {
            let request = ServerFixture.signedRequest(live.webhookURL, body)
            return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code)
        }

        #expect(
            try await post(ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.E1", text: "hi")) == 200
        )
        #expect(try await EndToEndTests.waitFor { graph.received.count == 2 })
        // The conversation engine answers (talab serve's default handler), in the business's language.
        #expect(
            graph.received.last?.body["interactive"]?["body"]?["text"]
                == "Welcome to Padel & Five Beirut! What would you like today? You can type your order, or tap Menu."
        )
        // The fake posts sent, delivered and read back; the reply ends up read.
        #expect(
            try await EndToEndTests.waitFor {
                try await fixture.count("SELECT count(*)::int FROM message_delivery WHERE status = 'read'") == 1
            }
        )

        // Padel Beirut moves to a new number by pull request; the running server follows the apply.
        let moved = "106540352243111"
        try await ExampleCatalog.apply(to: fixture.url, sealer: ServerFixture.sealer) { repository in
            let file = repository.folder.appendingPathComponent("Tenants/padel-beirut/business.yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            try Data(text.replacingOccurrences(of: ExampleCatalog.padelNumber, with: moved).utf8).write(to: file)
        }
        #expect(
            try await EndToEndTests.waitFor {
                _ = try await post(ServerFixture.textPayload(to: moved, id: "wamid.E2.\(UUID())", text: "hi"))
                return graph.received.contains { $0.phoneNumberID == moved }
            }
        )

        try await live.stop()
    }
}

/// The `talab serve` binary: its settings and its shutdown.
@Suite struct ServeCommandTests {
    static var binary: URL { ExampleCatalog.projectFolder.appendingPathComponent(".build/debug/talab") }

    /// `talab serve` on a fresh database and port with the test's secrets, once it is healthy.
    static func serve(_ flags: [String] = []) async throws -> (pid: pid_t, port: Int) {
        let url = try await TestCluster.shared.migratedDatabase()
        let port = try PrivateCluster.freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = ServerFixture.appSecret
        environment["TALAB_WHATSAPP_VERIFY_TOKEN"] = ServerFixture.verifyToken
        environment["TALAB_MASTER_KEY"] = Data(repeating: 3, count: 32).base64EncodedString()
        let pid = try Subprocess.spawn(
            ServeCommandTests.binary.path,
            ["serve", "--database-url", url.unredacted, "--port", String(port)] + flags,
            environment: environment
        )
        var healthy = false
        for _ in 0..<100 where !healthy {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            healthy = (try? await HTTPClient.shared.execute(request, timeout: .seconds(1)))?.status == .ok
            if !healthy { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard healthy else {
            kill(pid, SIGKILL)
            Subprocess.wait(pid)
            throw TestFailure("talab serve did not become healthy")
        }
        return (pid, port)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func sigtermDrainsAndExitsZero() async throws {
        let (pid, _) = try await ServeCommandTests.serve()
        kill(pid, SIGTERM)
        #expect(Subprocess.wait(pid) == 0)
    }

    /// A client in the middle of a request would hold a graceful drain open as long as it likes:
    /// such connections are closed when the drain starts, and the drain has a deadline besides.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"),
        arguments: ["2", "30"]
    )
    func sigtermExitsWithinTheDrainDeadlineWhateverClientsHold(drainSeconds: String) async throws {
        let (pid, port) = try await ServeCommandTests.serve([
            "--drain-seconds", drainSeconds, "--header-timeout", "120", "--body-timeout", "120", "--idle-timeout",
            "120",
        ])
        // A body held at its last byte, and a head never finished.
        let held = try LoopbackSocket(port: port)
        held.send(
            "POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                + String(repeating: "a", count: 99)
        )
        let slow = try LoopbackSocket(port: port)
        slow.send("GET /healthz HTTP/1.1\r\nHo")
        try await Task.sleep(for: .milliseconds(300))
        let clock = ContinuousClock()
        let started = clock.now
        kill(pid, SIGTERM)
        #expect(Subprocess.wait(pid) == 0)
        // Connections without a request being answered are closed at once on shutdown, so even a
        // long deadline is not waited for.
        #expect(clock.now - started < .seconds(5))
    }

    /// A limit set to nonsense in the environment is refused by its name before anything starts;
    /// the flag wins over the environment.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"),
        arguments: [
            ("TALAB_HEADER_TIMEOUT", "0"), ("TALAB_BODY_TIMEOUT", "-3"), ("TALAB_IDLE_TIMEOUT", "soon"),
            ("TALAB_MAX_CONNECTIONS", "0"), ("TALAB_BODY_BUDGET_MB", "lots"), ("TALAB_DRAIN_SECONDS", "0"),
        ]
    )
    func aLimitSetToNonsenseIsRefusedByItsName(variable: String, value: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = ServerFixture.appSecret
        environment["TALAB_WHATSAPP_VERIFY_TOKEN"] = ServerFixture.verifyToken
        environment["DATABASE_URL"] = "postgres://talab@127.0.0.1:1/talab"
        environment[variable] = value
        let outcome = try await Subprocess.run(ServeCommandTests.binary.path, ["serve"], environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.output.contains("\(variable) is not a positive number"), "\(outcome.output)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func aMissingSecretIsAClearErrorAndEverySettingIsInTheHelp() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = nil
        environment["DATABASE_URL"] = "postgres://talab@127.0.0.1:1/talab"
        let outcome = try await Subprocess.run(ServeCommandTests.binary.path, ["serve"], environment: environment)
        #expect(outcome.status != 0)
        #expect(outcome.output.contains("TALAB_WHATSAPP_APP_SECRET is not set"))
        let help = try await Subprocess.run(ServeCommandTests.binary.path, ["serve", "--help"])
        for setting in [
            "--host", "--port", "--graph-url", "--graph-version", "--send-rate", "--database-url", "TALAB_GRAPH_URL",
            "TALAB_GRAPH_VERSION", "TALAB_SEND_RATE", "TALAB_WHATSAPP_APP_SECRET", "TALAB_WHATSAPP_VERIFY_TOKEN",
            "--max-connections", "--header-timeout", "--body-timeout", "--idle-timeout", "--body-budget-mb",
            "--drain-seconds",
        ] {
            #expect(help.output.contains(setting), "\(setting)")
        }
    }
}

/// A server killed after its 200 and before processing loses nothing and doubles nothing.
@Suite struct CrashRecoveryTests {
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: ServeCommandTests.binary.path), "build talab first")
    )
    func aMessageAcknowledgedByAKilledServerIsProcessedOnceAfterRestart() async throws {
        let graph = FakeGraphAPI()
        let graphServer = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: graphServer.url)
        defer { fixture.parts.pool.close() }
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = ServerFixture.appSecret
        environment["TALAB_WHATSAPP_VERIFY_TOKEN"] = ServerFixture.verifyToken
        environment["TALAB_MASTER_KEY"] = Data(repeating: 3, count: 32).base64EncodedString()
        func serve(workers: Int) throws -> (pid_t, Int) {
            let port = try PrivateCluster.freeLoopbackPort()
            let pid = try Subprocess.spawn(
                ServeCommandTests.binary.path,
                [
                    "serve", "--database-url", fixture.url.unredacted, "--port", String(port), "--graph-url",
                    graphServer.url, "--inbox-workers", String(workers),
                ],
                environment: environment
            )
            return (pid, port)
        }
        func post(_ body: [UInt8], port: Int) async -> Int? {
            let request = ServerFixture.signedRequest("http://127.0.0.1:\(port)/webhooks/whatsapp", body)
            return (try? await HTTPClient.shared.execute(request, timeout: .seconds(2))).map { Int($0.status.code) }
        }

        // A receiving server with no workers acknowledges, then dies without a chance to clean up.
        let (receiver, port) = try serve(workers: 0)
        let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.KILL", text: "court at 8?")
        var status: Int?
        for _ in 0..<100 where status == nil {
            status = await post(body, port: port)
            if status == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == 200)
        kill(receiver, SIGKILL)
        #expect(Subprocess.wait(receiver) == 128 + SIGKILL)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state = 'pending'") == 1)

        // Meta redelivers to the restarted server too; the message still takes effect once.
        let (worker, secondPort) = try serve(workers: 2)
        var redelivered: Int?
        for _ in 0..<100 where redelivered == nil {
            redelivered = await post(body, port: secondPort)
            if redelivered == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(redelivered == 200)
        #expect(try await EndToEndTests.waitFor { graph.received.count >= 2 })
        #expect(
            try await EndToEndTests.waitFor {
                try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state = 'done'") == 2
            }
        )
        kill(worker, SIGTERM)
        #expect(Subprocess.wait(worker) == 0)
        try await graphServer.stop()
        #expect(graph.received.count == 2)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound'") == 1
        )
    }
}
