import Foundation
public import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird application on a free loopback port, run in this process until stopped: the fake
/// Graph API of a benchmark or `talab dev`, a server in a test.
public final class LoopbackServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the router's application and returns once it listens.
    public static func start(_ router: Router<BasicRequestContext>) async throws -> LoopbackServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "talab.loopback")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
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
            throw LoopbackServerError()
        }
        return LoopbackServer(port: port, group: group, task: task)
    }

    /// Shuts down gracefully, as SIGTERM would, and waits.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

public struct LoopbackServerError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the loopback server did not start listening" }
}
