import Foundation

/// Group commit for the webhook inbox: bodies that arrive while a write is in flight are stored
/// together by the next one, in one statement and one WAL flush, and each request still answers
/// only once its body is durable. Under load this turns a flush per webhook into a flush per batch.
final class InboxWriter: Sendable {
    private struct Body: Sendable {
        let bytes: [UInt8]
        let orderingKey: String?
    }

    private let queue: GroupCommit<Body, Int>

    /// `maxWriters` writes in flight at once, each taking what queued while the others were busy.
    init(pool: PostgresPool, maxWriters: Int = 4, maxBatch: Int = 256) {
        queue = GroupCommit(maxWriters: maxWriters, maxBatch: maxBatch) { batch, _ in
            await InboxWriter.write(batch, pool: pool)
        }
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
        try await queue.submit(Body(bytes: body, orderingKey: orderingKey))
    }

    /// One batch in one statement; each caller gets its row's id.
    private static func write(_ batch: [GroupCommit<Body, Int>.Waiting], pool: PostgresPool) async {
        do {
            let rows = try await pool.query(
                InboxWriter.insert,
                [
                    PostgresTextArray(
                        batch.map { PostgresBytes($0.item.bytes).postgresText.map { String($0.dropFirst(2)) } }
                    ),
                    PostgresTextArray(batch.map(\.item.orderingKey)),
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
