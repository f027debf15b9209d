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
            // A full batch: more may be waiting, and a resting peer can take some. Otherwise rest
            // until rung (at once when a body arrived during this batch).
            if handled >= batch { doorbell.ring() } else { await doorbell.wait(timeout: .seconds(1)) }
        }
    }

    /// Processes one batch in one transaction: one WAL flush, and no per-body savepoint, for all of
    /// it. When a body fails, the batch rolls back and each of its bodies is taken again in a
    /// transaction of its own, so the failure stays with its body (retried later; it blocks only its
    /// customer, since a batch holds at most one body per customer). Returns how many bodies it handled.
    @discardableResult
    public func drainOnce() async throws -> Int {
        var claimed: [Int] = []
        let outcome: (handled: Int, replies: Int)
        do {
            outcome = try await inbox.pool.withTransaction { connection in
                let bodies = try await WebhookInbox.take(WebhookInbox.claim, [batch], on: connection)
                claimed = bodies.map(\.id)
                var replies = 0
                for (_, body) in bodies { replies += try await processor.process(body, on: connection).replies }
                return (bodies.count, replies)
            }
        } catch {
            guard !claimed.isEmpty else { throw error }
            var replies = 0
            for id in claimed { replies += try await drainAlone(id) }
            outcome = (claimed.count, replies)
        }
        if outcome.replies > 0 { outbound?.ring() }
        return outcome.handled
    }

    /// One body of a batch that failed, in its own transaction behind a savepoint: when it fails
    /// too, it is put back with its error, to be tried again later, while this transaction still
    /// holds it (no other worker can take it in between). Returns the replies it queued.
    private func drainAlone(_ id: Int) async throws -> Int {
        try await inbox.pool.withTransaction { connection in
            var replies = 0
            for (_, body) in try await WebhookInbox.take(WebhookInbox.claimOne, [id], on: connection) {
                try await connection.executeScript("SAVEPOINT body", name: "inbox.savepoint")
                do {
                    replies += try await processor.process(body, on: connection).replies
                } catch {
                    try await connection.executeScript("ROLLBACK TO SAVEPOINT body", name: "inbox.rollback")
                    processor.logger.error(
                        "webhook processing failed",
                        metadata: ["inbox_id": "\(id)", "error": "\(error)"]
                    )
                    try await connection.query(WebhookInbox.retry, [id, String(describing: error)])
                }
            }
            return replies
        }
    }
}
