import Foundation
import Logging
import ServiceLifecycle
import TalabStore

/// Claims stored webhook bodies and processes each in its own transaction, until shutdown.
public struct InboxWorker: Service {
    public let inbox: WebhookInbox
    public let processor: WebhookProcessor
    public let doorbell: Doorbell
    /// Bodies claimed per transaction.
    public let batch: Int
    /// Rings when replies were queued.
    public let outbound: Doorbell?

    public init(
        inbox: WebhookInbox,
        processor: WebhookProcessor,
        doorbell: Doorbell,
        outbound: Doorbell?,
        batch: Int = 32
    ) {
        self.inbox = inbox
        self.processor = processor
        self.doorbell = doorbell
        self.outbound = outbound
        self.batch = batch
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let handled = try await cancelWhenGracefulShutdown { try await drainOnce() }
            if handled == 0 { await doorbell.wait(timeout: .seconds(1)) }
        }
    }

    /// Processes one batch; returns how many bodies it handled.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let claimed = try await inbox.pool.withTransaction { connection in
            try await connection.query(WebhookInbox.claim, [batch]).map {
                (try $0.decode(Int.self, "id"), try $0.decode(PostgresBytes.self, "body").bytes)
            }
        }
        guard !claimed.isEmpty else { return 0 }
        var replies = 0
        for (id, body) in claimed {
            // One transaction per body: a body that fails is retried later and blocks only its customer.
            do {
                let summary = try await inbox.pool.withTransaction { connection in
                    // Lock it again: another worker may have claimed it since the batch's commit.
                    guard try await !connection.query(WebhookInbox.lockPending, [id]).isEmpty else {
                        return WebhookProcessor.Summary()
                    }
                    let summary = try await processor.process(body, on: connection)
                    try await connection.query(WebhookInbox.finish, [id])
                    return summary
                }
                replies += summary.replies
            } catch {
                processor.logger.error(
                    "webhook processing failed",
                    metadata: ["inbox_id": "\(id)", "error": "\(error)"]
                )
                _ = try? await inbox.pool.query(WebhookInbox.retry, [id, String(describing: error)])
            }
        }
        if replies > 0 { outbound?.ring() }
        return claimed.count
    }
}
