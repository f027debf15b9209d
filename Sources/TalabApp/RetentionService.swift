public import Logging
public import ServiceLifecycle
public import TalabStore

/// Applies `TALAB_MESSAGE_LOG_DAYS` inside `talab serve`: every `interval`, customers' messages
/// older than the retention leave the live log and PostgreSQL's history.
public struct RetentionService: Service {
    public let retention: MessageRetention
    public let interval: Duration
    public let logger: Logger

    public init(retention: MessageRetention, interval: Duration = .seconds(3600), logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await retention.expire()
                if removed.live + removed.history > 0 {
                    logger.info(
                        "messages past their retention removed",
                        metadata: [
                            "live": "\(removed.live)", "history": "\(removed.history)", "days": "\(retention.days)",
                        ]
                    )
                }
            } catch {
                logger.error("message retention failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
