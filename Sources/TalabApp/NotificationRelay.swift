import Foundation
public import Logging
public import ServiceLifecycle
public import TalabCore
public import TalabStore
import TalabWhatsApp

/// Listens on PostgreSQL for the catalog, inbox and outbound channels and acts: a new snapshot when
/// `talab apply` committed, a ring for the workers otherwise. Reconnects after a lost session.
public struct NotificationRelay: Service {
    public let url: DatabaseURL
    public let catalog: CatalogCache
    public let inbox: Doorbell
    public let outbound: Doorbell
    public let logger: Logger
    /// Hears orders placed and moved (the dashboard's boards), when given.
    public let orders: (@Sendable (String) -> Void)?

    public static let outboundChannel = NotifyChannel.outbound
    public static let ordersChannel = NotifyChannel.orders

    public init(
        url: DatabaseURL,
        catalog: CatalogCache,
        inbox: Doorbell,
        outbound: Doorbell,
        logger: Logger,
        orders: (@Sendable (String) -> Void)? = nil
    ) {
        self.url = url
        self.catalog = catalog
        self.inbox = inbox
        self.outbound = outbound
        self.logger = logger
        self.orders = orders
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let listener = try await PostgresListener.listen(
                    url: url,
                    channels: [CatalogCache.channel, WebhookInbox.channel, NotificationRelay.outboundChannel]
                        + (orders == nil ? [] : [NotificationRelay.ordersChannel])
                )
                // Anything applied while no one listened: read the catalog once more.
                try await catalog.refresh()
                inbox.ring()
                outbound.ring()
                try await cancelWhenGracefulShutdown {
                    for try await notification in listener.notifications {
                        switch notification.channel {
                        case CatalogCache.channel:
                            let snapshot = try await catalog.refresh()
                            logger.info(
                                "catalog refreshed",
                                metadata: [
                                    "commit": "\(notification.payload)", "businesses": "\(snapshot.businesses.count)",
                                ]
                            )
                        case WebhookInbox.channel: inbox.ring()
                        case NotificationRelay.ordersChannel: orders?(notification.payload)
                        default: outbound.ring()
                        }
                    }
                }
                listener.stop()
            } catch is CancellationError {
                return
            } catch {
                guard !Task.isShuttingDownGracefully else { return }
                logger.warning("notification listener lost; reconnecting", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
