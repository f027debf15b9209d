/// Group commit for independent writes from many tasks (the sender's marks): statements that arrive
/// while a pipeline is in flight go together in the next one, in one round trip, one implicit
/// transaction and one WAL flush, and each caller still returns only once its own is committed.
///
/// When one statement of a pipeline fails, the transaction takes the others with it: the failed
/// statement's caller gets its error, and the others are sent again in the next pipeline.
public final class PipelinedWrites: Sendable {
    private let queue: GroupCommit<BoundStatement, PostgresRows>

    public init(pool: PostgresPool, maxWriters: Int = 2, maxBatch: Int = 256) {
        queue = GroupCommit(maxWriters: maxWriters, maxBatch: maxBatch) { batch, queue in
            do {
                let result = try await pool.withConnection { try await $0.pipeline(bound: batch.map(\.item)) }
                guard let failure = result.failure else {
                    for (waiting, rows) in zip(batch, result.rows) { waiting.continuation.resume(returning: rows) }
                    return
                }
                batch[failure.index].continuation.resume(throwing: failure.error)
                var others = batch
                others.remove(at: failure.index)
                queue.retry(others)
            } catch {
                // The connection was lost: nobody knows which of them committed.
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    /// Runs the statement with the others waiting; returns its rows once committed.
    @discardableResult
    public func run(_ statement: PostgresStatement, _ bindings: [any PostgresEncodable]) async throws -> PostgresRows {
        try await queue.submit(BoundStatement(statement, bindings))
    }
}
