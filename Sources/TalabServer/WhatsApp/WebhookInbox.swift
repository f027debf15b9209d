import Foundation
import TalabStore

/// The webhook inbox in PostgreSQL: bodies stored before the 200, claimed by workers afterwards.
public struct WebhookInbox: Sendable {
    public let pool: PostgresPool
    /// The channel `talab serve` listens on to wake its workers (for tools that add bodies).
    public static let channel = "talab_webhook_inbox"
    /// Rung after each stored body: this process's workers start at once.
    public let stored: Doorbell?

    private let writer: InboxWriter

    public init(pool: PostgresPool, stored: Doorbell? = nil, writers: Int = 4) {
        self.pool = pool
        self.stored = stored
        self.writer = InboxWriter(pool: pool, maxWriters: writers)
    }

    /// Stores a verified body; returns its inbox id once it is durable. Concurrent calls share
    /// commits (`InboxWriter`). No NOTIFY: a notifying transaction takes a cluster-wide lock at
    /// commit, which would serialise the writes; this process rings its own workers, others poll.
    @discardableResult
    public func store(_ body: [UInt8], orderingKey: String?) async throws -> Int {
        let id = try await writer.store(body, orderingKey: orderingKey)
        stored?.ring()
        return id
    }

    /// Takes the oldest pending rows no worker holds and no older pending row of the same customer
    /// precedes, and marks them done in the same statement: the mark stands only if the worker's
    /// transaction commits, so a crash or a failure leaves them pending.
    static let claim = PostgresStatement(
        "inbox.claim",
        """
        UPDATE webhook_inbox SET state = 'done', processed_at = now(), attempts = attempts + 1
        WHERE id IN (
            SELECT i.id FROM webhook_inbox i
            WHERE i.state = 'pending' AND i.available_at <= now()
              AND (i.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM webhook_inbox e
                  WHERE e.state = 'pending' AND e.ordering_key = i.ordering_key AND e.id < i.id))
            ORDER BY i.id LIMIT $1 FOR UPDATE OF i SKIP LOCKED)
        RETURNING id, body
        """
    )
    /// One row of a batch that failed, taken again on its own if it is still pending and free.
    static let claimOne = PostgresStatement(
        "inbox.claim_one",
        """
        UPDATE webhook_inbox SET state = 'done', processed_at = now(), attempts = attempts + 1
        WHERE id IN (SELECT id FROM webhook_inbox WHERE id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED)
        RETURNING id, body
        """
    )

    /// The bodies a claim took, oldest first.
    static func take(
        _ claim: PostgresStatement,
        _ bindings: [any PostgresEncodable],
        on connection: PostgresConnection
    ) async throws -> [(id: Int, body: [UInt8])] {
        try await connection.query(claim, bindings).map {
            (try $0.decode(Int.self, "id"), try $0.decode(PostgresBytes.self, "body").bytes)
        }.sorted { $0.id < $1.id }
    }

    /// A claimed row whose attempt failed (the claim counted the attempt) goes back to pending, to
    /// wait 2^attempts seconds (at most an hour); after 10 attempts it is given up.
    static let retry = PostgresStatement(
        "inbox.retry",
        """
        UPDATE webhook_inbox SET error = $2, processed_at = NULL,
            state = CASE WHEN attempts >= 10 THEN 'failed'::webhook_state ELSE 'pending'::webhook_state END,
            available_at = now() + least(power(2, attempts), 3600) * interval '1 second'
        WHERE id = $1
        """
    )
    static let pendingCount = PostgresStatement(
        "inbox.pending",
        "SELECT count(*)::int AS n FROM webhook_inbox WHERE state = 'pending'"
    )

    public func pending() async throws -> Int {
        try await pool.query(WebhookInbox.pendingCount)[0].decode(Int.self, "n")
    }
}
