import Foundation
public import Logging
public import ServiceLifecycle
public import TalabStore

/// Keeps `daily_business_metrics` current inside `talab serve`: every `interval`, each business's
/// yesterday and today (its own dates) are rolled up again. Idempotent, so several servers may.
public struct RollupService: Service {
    public let rollup: MetricsRollup
    public let interval: Duration
    public let logger: Logger

    public init(rollup: MetricsRollup, interval: Duration, logger: Logger) {
        self.rollup = rollup
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for business in try await BusinessDirectory.businesses(rollup.pool) {
                    let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
                    let today = LocalDate(Date(), in: zone)
                    _ = try await rollup.rollup(businesses: [business], from: today.previous, through: today)
                }
            } catch {
                logger.error("the daily rollup failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
