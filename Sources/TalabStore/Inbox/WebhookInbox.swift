public import Foundation
public import TalabCore

/// The webhook inbox in PostgreSQL: bodies stored before the 200, claimed by workers afterwards.
public struct WebhookInbox: Sendable {
    public let pool: PostgresPool
    /// The channel `talab serve` listens on to wake its workers (for tools that add bodies).
    public static let channel = NotifyChannel.webhookInbox
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

    /// Bodies handled by a process that died this many times are dead-lettered: a poison body costs
    /// three restarts (once in its batch, twice alone). Not two: a body has been seen lost twice
    /// after a single kill under load (cause not found; see Benchmarks), and a customer's message
    /// left unanswered is worse than one more restart.
    public static let lostAttemptsAllowed = 3
    /// How long a lease holds when its connection's backend stays alive (a process that hangs).
    public static let leaseSeconds = 300

    /// Leases the oldest pending rows that no live lease holds and that no older pending row of the
    /// same customer precedes, counting the attempt. It commits on its own, before the bodies are
    /// handled: a body whose handling kills the process has had its attempt counted. A row whose
    /// earlier lease was lost (its backend is gone, or the lease ran out) counts a lost attempt, and
    /// is taken alone (a batch that holds any row tried before becomes that row only), so a body
    /// that kills its process takes no other body with it twice; at `$4` lost attempts it is
    /// dead-lettered instead. Returns the rows leased and the rows dead-lettered.
    static let lease = PostgresStatement(
        "inbox.lease",
        """
        WITH candidates AS (
            SELECT i.id, i.attempts, i.leased_until IS NOT NULL AS lost FROM webhook_inbox i
            WHERE i.state = 'pending' AND i.available_at <= now()
              AND (i.leased_until IS NULL OR i.leased_until < now()
                   OR NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(i.lease_pid)))
              AND (i.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM webhook_inbox e
                  WHERE e.state = 'pending' AND e.ordering_key = i.ordering_key AND e.id < i.id))
            ORDER BY i.id LIMIT $1 FOR UPDATE OF i SKIP LOCKED
        ), suspect AS (
            SELECT min(id) AS id FROM candidates WHERE attempts > 0
        ), chosen AS (
            SELECT c.id, c.lost, (c.lost AND r.lost_attempts + 1 >= $4) AS dead
            FROM candidates c JOIN webhook_inbox r ON r.id = c.id, suspect s
            WHERE s.id IS NULL OR c.id = s.id
        )
        UPDATE webhook_inbox w SET
            attempts = w.attempts + CASE WHEN chosen.dead THEN 0 ELSE 1 END,
            lost_attempts = w.lost_attempts + chosen.lost::int,
            lease = CASE WHEN chosen.dead THEN NULL ELSE $2::uuid END,
            lease_pid = CASE WHEN chosen.dead THEN NULL ELSE pg_backend_pid() END,
            leased_until = CASE WHEN chosen.dead THEN NULL ELSE now() + $3 * interval '1 second' END,
            state = CASE WHEN chosen.dead THEN 'failed'::webhook_state ELSE w.state END,
            processed_at = CASE WHEN chosen.dead THEN now() ELSE w.processed_at END,
            error = CASE WHEN chosen.dead
                THEN 'dead-lettered: the process handling it stopped ' || (w.lost_attempts + 1)
                     || ' times before it finished (a crash or a kill)'
                ELSE w.error END
        FROM chosen WHERE w.id = chosen.id
        RETURNING w.id, chosen.dead
        """
    )
    /// Marks leased rows done inside the transaction that handles them, returning their bodies: the
    /// mark stands only if that transaction commits. A row whose lease was taken over since (this
    /// process stalled past its lease) is not returned; its new holder handles it.
    static let take = PostgresStatement(
        "inbox.take",
        """
        UPDATE webhook_inbox SET state = 'done', processed_at = now(), leased_until = NULL
        WHERE id = ANY($1::text[]::bigint[]) AND lease = $2::uuid AND state = 'pending'
        RETURNING id, body
        """
    )

    /// What one lease took: the rows to handle, and the ids it dead-lettered instead.
    public struct Lease: Sendable {
        public let token: UUID
        public let ids: [Int]
        public let dead: [Int]
    }

    /// Leases up to `limit` bodies (`lease`), committed on its own.
    public func lease(_ limit: Int) async throws -> Lease {
        let token = UUID()
        let rows = try await pool.query(
            WebhookInbox.lease,
            [limit, token, WebhookInbox.leaseSeconds, WebhookInbox.lostAttemptsAllowed]
        )
        var leased: [Int] = []
        var dead: [Int] = []
        for row in rows {
            let id = try row.decode(Int.self, "id")
            if try row.decode(Bool.self, "dead") { dead.append(id) } else { leased.append(id) }
        }
        return Lease(token: token, ids: leased.sorted(), dead: dead.sorted())
    }

    /// The bodies of `ids` still held by `token`, marked done in the caller's transaction, oldest first.
    public static func take(
        _ ids: [Int],
        token: UUID,
        on connection: PostgresConnection
    ) async throws -> [(id: Int, body: [UInt8])] {
        try await connection.query(WebhookInbox.take, [PostgresTextArray(ids.map { String($0) }), token]).map {
            (try $0.decode(Int.self, "id"), try $0.decode(PostgresBytes.self, "body").bytes)
        }.sorted { $0.id < $1.id }
    }

    static let peek = PostgresStatement(
        "inbox.peek",
        "SELECT id, body FROM webhook_inbox WHERE id = ANY($1::text[]::bigint[]) AND lease = $2::uuid AND state = 'pending'"
    )

    /// The bodies of a lease, read before the transaction that takes them (by what must happen
    /// outside it: a language model's call); nothing is locked or changed.
    public func peek(_ lease: Lease) async throws -> [(id: Int, body: [UInt8])] {
        try await pool.query(WebhookInbox.peek, [PostgresTextArray(lease.ids.map { String($0) }), lease.token]).map {
            (try $0.decode(Int.self, "id"), try $0.decode(PostgresBytes.self, "body").bytes)
        }.sorted { $0.id < $1.id }
    }

    /// A leased row whose attempt failed goes back to pending, to wait 2^attempts seconds (at most
    /// an hour); after 10 attempts it is dead-lettered.
    static let retry = PostgresStatement(
        "inbox.retry",
        """
        UPDATE webhook_inbox SET error = $2, processed_at = NULL, lease = NULL, lease_pid = NULL, leased_until = NULL,
            state = CASE WHEN attempts >= 10 THEN 'failed'::webhook_state ELSE 'pending'::webhook_state END,
            available_at = now() + least(power(2, attempts), 3600) * interval '1 second'
        WHERE id = $1
        """
    )

    /// Puts a leased body whose handling failed back (`retry`), in the caller's transaction.
    public static func retryLater(_ id: Int, error: String, on connection: PostgresConnection) async throws {
        try await connection.query(WebhookInbox.retry, [id, error])
    }

    static let depth = PostgresStatement(
        "inbox.depth",
        """
        SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(received_at)), 0)::text AS oldest
        FROM webhook_inbox WHERE state = 'pending'
        """
    )

    /// Bodies waiting (or being handled), and the seconds the oldest has waited.
    public func depth() async throws -> (pending: Int, oldestSeconds: Double) {
        let row = try await pool.query(WebhookInbox.depth)[0]
        return (try row.decode(Int.self, "pending"), Double(try row.decode(String.self, "oldest")) ?? 0)
    }

    static let pendingCount = PostgresStatement(
        "inbox.pending",
        "SELECT count(*)::int AS n FROM webhook_inbox WHERE state = 'pending'"
    )

    public func pending() async throws -> Int {
        try await pool.query(WebhookInbox.pendingCount)[0].decode(Int.self, "n")
    }
}
