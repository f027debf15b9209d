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

    /// Processes one batch in one transaction (one WAL flush for all of it), each body behind a
    /// savepoint: a body that fails is rolled back alone, retried later, and blocks only its customer.
    /// Returns how many bodies it handled.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let (handled, replies) = try await inbox.pool.withTransaction { connection -> (Int, Int) in
            let claimed = try await connection.query(WebhookInbox.claim, [batch]).map {
                (try $0.decode(Int.self, "id"), try $0.decode(PostgresBytes.self, "body").bytes)
            }
            var replies = 0
            for (id, body) in claimed {
                try await connection.executeScript("SAVEPOINT body", name: "inbox.savepoint")
                do {
                    replies += try await processor.process(body, on: connection).replies
                    try await connection.query(WebhookInbox.finish, [id])
                    try await connection.executeScript("RELEASE SAVEPOINT body", name: "inbox.release")
                } catch {
                    try await connection.executeScript("ROLLBACK TO SAVEPOINT body", name: "inbox.rollback")
                    processor.logger.error(
                        "webhook processing failed",
                        metadata: ["inbox_id": "\(id)", "error": "\(error)"]
                    )
                    try await connection.query(WebhookInbox.retry, [id, String(describing: error)])
                }
            }
            return (claimed.count, replies)
        }
        if replies > 0 { outbound?.ring() }
        return handled
    }
}
