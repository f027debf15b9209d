public import Logging
public import ServiceLifecycle
public import TalabStore

/// Runs the log relay inside `talab serve`: every `interval`, the outbox goes to the history. While
/// the history does not answer, records wait in PostgreSQL (one warning a minute), and webhooks go on.
public struct LogRelayService: Service {
    public let relay: LogRelay
    public let interval: Duration
    public let logger: Logger

    public init(relay: LogRelay, interval: Duration = .seconds(1), logger: Logger) {
        self.relay = relay
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var lastWarning: ContinuousClock.Instant?
        var wait = interval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await relay.relayAll()
                wait = interval
            } catch {
                if lastWarning.map({ ContinuousClock.now - $0 > .seconds(60) }) ?? true {
                    logger.warning(
                        "the history does not take the log records; they wait in PostgreSQL",
                        metadata: ["error": "\(error)"]
                    )
                    lastWarning = .now
                }
                // Back off to 30 s while it stays down.
                wait = min(wait * 2, .seconds(30))
            }
            let pause = wait
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
