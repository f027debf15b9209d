import Foundation
import Logging
import ServiceLifecycle
import TalabApp
import TalabDev
import TalabStore
import TalabTestSupport

/// The whole server (`Server.application`, the engine by default) on a loopback port, over a
/// fresh fixture database, sending to a fake Graph API that posts its statuses back.
struct LiveServer {
    let fixture: ServerFixture
    let graph: FakeGraphAPI
    let graphServer: LoopbackServer
    let webhookURL: String
    let app: any Service
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static func start(_ configure: (inout Server.Settings) -> Void = { _ in }) async throws -> LiveServer {
        try await start(editing: { _ in }, configure: configure)
    }

    /// Started on a catalog changed by `edit` first.
    static func start(
        editing edit: (TestRepository) throws -> Void,
        configure: (inout Server.Settings) -> Void
    ) async throws -> LiveServer {
        let port = try PrivateCluster.freeLoopbackPort()
        let webhookURL = "http://127.0.0.1:\(port)/webhooks/whatsapp"
        let graph = FakeGraphAPI(statusWebhook: (webhookURL, ServerFixture.appSecret))
        let graphServer = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: graphServer.url, edit: edit)
        var settings = fixture.settings
        settings.port = port
        configure(&settings)
        var logger = Logger(label: "talab.test.live")
        logger.logLevel = .critical
        let (ready, continuation) = AsyncStream<Int>.makeStream()
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
        var iterator = ready.makeAsyncIterator()
        guard await iterator.next() != nil else { throw LoopbackServerError() }
        return LiveServer(
            fixture: fixture,
            graph: graph,
            graphServer: graphServer,
            webhookURL: webhookURL,
            app: app,
            group: group,
            running: running
        )
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        try await graphServer.stop()
        fixture.parts.pool.close()
    }
}
