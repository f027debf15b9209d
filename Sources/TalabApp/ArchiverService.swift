public import Logging
public import ServiceLifecycle
public import TalabStore

/// Runs the order archiver inside `talab serve` every `interval`: finished orders leave the live
/// tables for the history as they come due. A failed round is logged and tried again next time;
/// several servers may run it at once (their batches skip each other's orders).
public struct ArchiverService: Service {
    public let archiver: OrderArchiver
    public let interval: Duration
    public let logger: Logger

    public init(archiver: OrderArchiver, interval: Duration, logger: Logger) {
        self.archiver = archiver
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let progress = try await archiver.archiveAll()
                if progress.archived > 0 {
                    logger.info(
                        "orders archived",
                        metadata: ["orders": "\(progress.archived)", "resumed": "\(progress.resumed)"]
                    )
                }
            } catch {
                logger.error("archiving failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
