import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A Hummingbird application listening on a free loopback port for the length of a test.
final class LiveServer: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    var url: String { "http://127.0.0.1:\(port)" }

    static func start(_ router: Router<BasicRequestContext>, services: [any Service] = []) async throws -> LiveServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "talab.test.live")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: services,
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestFailure("the server did not start")
        }
        return LiveServer(port: port, group: group, task: task)
    }

    /// Shuts down gracefully, as SIGTERM would, and waits.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
