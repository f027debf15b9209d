import Synchronization

/// Group commit for independent writes from many tasks (the sender's marks): statements that arrive
/// while a pipeline is in flight go together in the next one, in one round trip, one implicit
/// transaction and one WAL flush, and each caller still returns only once its own is committed.
///
/// When one statement of a pipeline fails, the transaction takes the others with it: the failed
/// statement's caller gets its error, and the others are sent again in the next pipeline.
public final class PipelinedWrites: Sendable {
    private struct Waiting {
        let bound: BoundStatement
        let continuation: CheckedContinuation<PostgresRows, any Error>
    }
    private struct State {
        var queue: [Waiting] = []
        var writers = 0
    }

    private let pool: PostgresPool
    private let state = Mutex(State())
    /// Pipelines in flight at once; each takes what queued while the others were busy.
    let maxWriters: Int
    let maxBatch: Int

    public init(pool: PostgresPool, maxWriters: Int = 2, maxBatch: Int = 256) {
        self.pool = pool
        self.maxWriters = maxWriters
        self.maxBatch = maxBatch
    }

    /// Runs the statement with the others waiting; returns its rows once committed.
    @discardableResult
    public func run(_ statement: PostgresStatement, _ bindings: [any PostgresEncodable]) async throws -> PostgresRows {
        let bound = BoundStatement(statement, bindings)
        return try await withCheckedThrowingContinuation { continuation in
            enqueue([Waiting(bound: bound, continuation: continuation)], front: false)
        }
    }

    private func enqueue(_ waiting: [Waiting], front: Bool) {
        let startWriter = state.withLock { state -> Bool in
            if front { state.queue.insert(contentsOf: waiting, at: 0) } else { state.queue.append(contentsOf: waiting) }
            guard state.writers < maxWriters else { return false }
            state.writers += 1
            return true
        }
        if startWriter { Task { await write() } }
    }

    /// Sends pipelines until the queue is empty, then stops.
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
                let result = try await pool.withConnection { try await $0.pipeline(bound: batch.map(\.bound)) }
                guard let failure = result.failure else {
                    for (waiting, rows) in zip(batch, result.rows) { waiting.continuation.resume(returning: rows) }
                    continue
                }
                batch[failure.index].continuation.resume(throwing: failure.error)
                var others = batch
                others.remove(at: failure.index)
                if !others.isEmpty { enqueue(others, front: true) }
            } catch {
                // The connection was lost: nobody knows which of them committed.
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
