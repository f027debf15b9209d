import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TalabServer
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

    @Test func aSignedWebhookIsAnsweredAndTheServerFollowsAnApply() async throws {
        let graph = FakeGraphAPI()
        let graphServer = try await LiveServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: graphServer.url)
        fixture.parts.pool.close()
        var settings = fixture.settings
        settings.port = 0
        var logger = Logger(label: "talab.test.e2e")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try await Server.application(
            settings,
            sealer: ServerFixture.sealer,
            logger: logger,
            onServerRunning: { port in
                continuation.yield(port)
                continuation.finish()
            }
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        func post(_ body: [UInt8]) async throws -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
            request.method = .POST
            request.headers.add(name: "X-Hub-Signature-256", value: ServerFixture.signature.header(for: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code)
        }

        #expect(
            try await post(ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.E1", text: "hi")) == 200
        )
        #expect(try await EndToEndTests.waitFor { graph.received.count == 2 })
        #expect(graph.received.last?.body["text"]?["body"] == "Padel & Five Beirut received your message.")

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

        await group.triggerGracefulShutdown()
        try await running.value
        try await graphServer.stop()
    }
}

/// The `talab serve` binary: its settings and its shutdown.
@Suite struct ServeCommandTests {
    static var binary: URL { ExampleCatalog.projectFolder.appendingPathComponent(".build/debug/talab") }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func sigtermDrainsAndExitsZero() async throws {
        let url = try await TestCluster.shared.migratedDatabase()
        let port = try PrivateCluster.freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_WHATSAPP_APP_SECRET"] = ServerFixture.appSecret
        environment["TALAB_WHATSAPP_VERIFY_TOKEN"] = ServerFixture.verifyToken
        environment["TALAB_MASTER_KEY"] = Data(repeating: 3, count: 32).base64EncodedString()
        let pid = try Subprocess.spawn(
            ServeCommandTests.binary.path,
            ["serve", "--database-url", url.unredacted, "--port", String(port)],
            environment: environment
        )
        var healthy = false
        for _ in 0..<100 where !healthy {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            healthy = (try? await HTTPClient.shared.execute(request, timeout: .seconds(1)))?.status == .ok
            if !healthy { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(healthy)
        kill(pid, SIGTERM)
        #expect(Subprocess.wait(pid) == 0)
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
        ] {
            #expect(help.output.contains(setting), "\(setting)")
        }
    }
}
