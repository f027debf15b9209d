import Foundation
import Synchronization

/// Group commit for the webhook inbox: bodies that arrive while a write is in flight are stored
/// together by the next one, in one statement and one WAL flush, and each request still answers
/// only once its body is durable. Under load this turns a flush per webhook into a flush per batch.
final class InboxWriter: Sendable {
    private struct Waiting {
        let body: [UInt8]
        let orderingKey: String?
        let continuation: CheckedContinuation<Int, any Error>
    }
    private struct State {
        var queue: [Waiting] = []
        var writers = 0
    }

    private let pool: PostgresPool
    private let state = Mutex(State())
    /// Writes in flight at once; each takes what queued while the others were busy.
    let maxWriters: Int
    let maxBatch: Int

    init(pool: PostgresPool, maxWriters: Int = 4, maxBatch: Int = 256) {
        self.pool = pool
        self.maxWriters = maxWriters
        self.maxBatch = maxBatch
    }

    static let insert = PostgresStatement(
        "inbox.insert_batch",
        """
        INSERT INTO webhook_inbox (body, ordering_key)
        SELECT decode(u.body, 'hex'), u.ordering_key
        FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(body, ordering_key, position)
        ORDER BY u.position
        RETURNING id
        """
    )

    /// Stores the body; returns its inbox id once committed.
    func store(_ body: [UInt8], orderingKey: String?) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(Waiting(body: body, orderingKey: orderingKey, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startWriter { Task { await write() } }
        }
    }

    /// Writes batches until the queue is empty, then stops.
    private func write() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.writers -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let rows = try await pool.query(
                    InboxWriter.insert,
                    [
                        PostgresTextArray(
                            batch.map { PostgresBytes($0.body).postgresText.map { String($0.dropFirst(2)) } }
                        ),
                        PostgresTextArray(batch.map(\.orderingKey)),
                    ]
                )
                // RETURNING follows the insertion order, which is the batch's.
                for (waiting, row) in zip(batch, rows) {
                    waiting.continuation.resume(with: Result { try row.decode(Int.self, "id") })
                }
                for waiting in batch.dropFirst(rows.count) {
                    waiting.continuation.resume(throwing: PostgresDecodingFailure("the inbox returned fewer ids"))
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
