import Foundation
import Logging
public import ServiceLifecycle
public import TalabCore
import TalabMetrics
public import TalabStore

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
            // A batch is not cancelled by a graceful shutdown: it finishes (milliseconds), so no
            // lease is left behind to be counted as lost.
            let handled = try await drainOnce()
            // A full batch: more may be waiting, and a resting peer can take some. Otherwise rest
            // until rung (at once when a body arrived during this batch) or until shutdown.
            if handled >= batch {
                doorbell.ring()
            } else {
                try? await cancelWhenGracefulShutdown { await doorbell.wait(timeout: .seconds(1)) }
            }
        }
    }

    /// Leases one batch (committed on its own: `WebhookInbox.lease`), then handles it in one
    /// transaction: one WAL flush, and no per-body savepoint, for all of it. When a body fails, the
    /// batch rolls back and each of its bodies is handled again in a transaction of its own, so the
    /// failure stays with its body (retried later; it blocks only its customer, since a batch holds
    /// at most one body per customer). Returns how many bodies it leased and dead-lettered.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let lease = try await inbox.lease(batch)
        for id in lease.dead {
            processor.logger.error(
                "webhook body dead-lettered: the process handling it stopped before it finished",
                metadata: ["inbox_id": "\(id)", "retry": "talab inbox retry \(id)"]
            )
        }
        guard !lease.ids.isEmpty else { return lease.dead.count }
        let started = ContinuousClock.now
        defer { TalabMetrics.batchHandling.record(since: started) }
        // Bodies with a message for a language model wait for its answer; the others do not wait
        // for them (a batch holds at most one body per customer: nobody's messages are reordered).
        let pending = try await prepare(lease)
        let waiting = lease.ids.filter { pending[$0]?.isEmpty == false }
        try await handle(lease.ids.filter { !waiting.contains($0) }, token: lease.token, advice: [:])
        if !waiting.isEmpty {
            let advice = await ask(waiting.compactMap { pending[$0] })
            try await handle(waiting, token: lease.token, advice: advice)
        }
        return lease.ids.count + lease.dead.count
    }

    /// Handles leased bodies in one transaction; when one fails, each again alone.
    private func handle(_ ids: [Int], token: UUID, advice: [String: ModelAdvice]) async throws {
        guard !ids.isEmpty else { return }
        let replies: Int
        do {
            replies = try await inbox.pool.withTransaction { connection in
                var replies = 0
                var messages = 0
                for (_, body) in try await WebhookInbox.take(ids, token: token, on: connection) {
                    let summary = try await processor.process(body, on: connection, advice: advice)
                    replies += summary.replies
                    messages += summary.messages
                }
                TalabMetrics.messagesHandled.increment(by: messages)
                return replies
            }
        } catch {
            var alone = 0
            for id in ids { alone += try await drainAlone(id, token: token, advice: advice) }
            replies = alone
        }
        if replies > 0 { outbound?.ring() }
    }

    /// What the handler prepares outside the transaction, by body: the questions for a language
    /// model its messages need (read side by side, in milliseconds; the model is not asked yet).
    private func prepare(_ lease: WebhookInbox.Lease) async throws -> [Int: [String: PendingAdvice]] {
        guard processor.handler.prepares else { return [:] }
        let bodies = try await inbox.peek(lease)
        return await withTaskGroup(of: (Int, [String: PendingAdvice]).self) { group in
            for (id, body) in bodies { group.addTask { (id, await processor.prepare(body, pool: inbox.pool)) } }
            var all: [Int: [String: PendingAdvice]] = [:]
            for await (id, pending) in group { all[id] = pending }
            return all
        }
    }

    /// The model's answers to the questions, side by side: at most its timeout.
    private func ask(_ pending: [[String: PendingAdvice]]) async -> [String: ModelAdvice] {
        await withTaskGroup(of: (String, ModelAdvice).self) { group in
            for questions in pending {
                for (messageID, question) in questions {
                    group.addTask { (messageID, ModelAdvice(basis: question.basis, outcome: await question.ask())) }
                }
            }
            var all: [String: ModelAdvice] = [:]
            for await (messageID, advice) in group { all[messageID] = advice }
            return all
        }
    }

    /// One body of a batch that failed, in its own transaction behind a savepoint: when it fails
    /// too, it is put back with its error, to be tried again later, while this transaction still
    /// holds it (no other worker can take it in between). Returns the replies it queued.
    private func drainAlone(_ id: Int, token: UUID, advice: [String: ModelAdvice]) async throws -> Int {
        try await inbox.pool.withTransaction { connection in
            var replies = 0
            for (_, body) in try await WebhookInbox.take([id], token: token, on: connection) {
                try await connection.executeScript("SAVEPOINT body", name: "inbox.savepoint")
                do {
                    replies += try await processor.process(body, on: connection, advice: advice).replies
                    // Its queued writes fail here, behind the savepoint, if they fail.
                    try await connection.flush()
                } catch {
                    try await connection.rollback(toSavepoint: "body")
                    processor.logger.error(
                        "webhook processing failed",
                        metadata: ["inbox_id": "\(id)", "error": "\(error)"]
                    )
                    try await WebhookInbox.retryLater(id, error: String(describing: error), on: connection)
                }
            }
            return replies
        }
    }
}
