import Foundation
public import Logging
public import ServiceLifecycle
public import TalabStore
public import TalabWhatsApp

/// A job `talab serve` runs every `interval` until it shuts down: a failed round is logged and
/// tried again the next time. The archiver, the daily rollup and the message retention are each
/// one (`archiver`, `rollup`, `retention`); every one of them is safe to run in several servers.
public struct PeriodicJob: Service {
    public let name: String
    public let interval: Duration
    public let logger: Logger
    let round: @Sendable (Logger) async throws -> Void

    public init(
        name: String,
        interval: Duration,
        logger: Logger,
        round: @escaping @Sendable (Logger) async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.round = round
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await round(logger)
            } catch {
                logger.error("\(name) failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Finished orders leave the live tables for the history as they come due.
    public static func archiver(_ archiver: OrderArchiver, every interval: Duration, logger: Logger) -> PeriodicJob {
        PeriodicJob(name: "archiving", interval: interval, logger: logger) { logger in
            // Two batches side by side: on two cores about twice one (Benchmarks/README.md).
            let progress = try await archiver.archiveAll(parallel: 2)
            if progress.archived > 0 {
                logger.info(
                    "orders archived",
                    metadata: ["orders": "\(progress.archived)", "resumed": "\(progress.resumed)"]
                )
            }
        }
    }

    /// Orders nobody accepted in time are cancelled and their customers told.
    public static func autoReject(_ orders: UnansweredOrders, every interval: Duration, logger: Logger) -> PeriodicJob {
        PeriodicJob(name: "auto-reject", interval: interval, logger: logger) { logger in
            let cancelled = try await orders.rejectDue()
            if cancelled > 0 {
                logger.info("orders nobody accepted were cancelled", metadata: ["orders": "\(cancelled)"])
            }
        }
    }

    /// Each business's yesterday and today (its own dates) rolled up again.
    public static func rollup(_ rollup: MetricsRollup, every interval: Duration, logger: Logger) -> PeriodicJob {
        PeriodicJob(name: "the daily rollup", interval: interval, logger: logger) { _ in
            for business in try await BusinessDirectory.businesses(rollup.pool) {
                let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
                let today = LocalDate(Date(), in: zone)
                _ = try await rollup.rollup(businesses: [business], from: today.previous, through: today)
            }
        }
    }

    /// Customers' messages older than the retention leave the live log and PostgreSQL's history.
    public static func retention(_ retention: MessageRetention, every interval: Duration, logger: Logger) -> PeriodicJob
    {
        PeriodicJob(name: "message retention", interval: interval, logger: logger) { logger in
            let removed = try await retention.expire()
            if removed.live + removed.history > 0 {
                logger.info(
                    "messages past their retention removed",
                    metadata: ["live": "\(removed.live)", "history": "\(removed.history)", "days": "\(retention.days)"]
                )
            }
        }
    }
}
