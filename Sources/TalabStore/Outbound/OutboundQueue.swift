public import Foundation

/// The replies waiting for the Graph API (`outbound_messages`): leased by a sender in batches,
/// marked as Meta answered each, logged once sent. Each customer's replies go out in order.
public struct OutboundQueue: Sendable {
    public let pool: PostgresPool
    /// The marks of replies the Graph API answered, from every customer's chain at once, committed
    /// together (one round trip and one WAL flush for all that arrive meanwhile).
    private let marks: PipelinedWrites

    public init(pool: PostgresPool) {
        self.pool = pool
        self.marks = PipelinedWrites(pool: pool)
    }

    /// A leased reply, with the sealed access token to send it with.
    public struct Pending: Sendable {
        public let id: Int
        public let business: UUID
        public let branch: UUID?
        public let customer: UUID?
        public let phoneNumberID: String
        /// The Graph API request body, JSON.
        public let body: String
        /// The branch's token, else the business's, sealed; nil when neither has one.
        public let token: String?
    }

    /// The first pending reply of each customer, oldest first, that no live lease holds, and the
    /// rest of those customers' queues in order, leased in a statement that commits on its own: no
    /// other sender takes any of them (its claim needs no older pending row of the customer) while
    /// this process lives and the lease lasts. Each with the token to send it with: the branch's,
    /// else the business's.
    static let claim = PostgresStatement(
        "outbound.claim",
        """
        WITH heads AS (
            SELECT o.id, o.customer_id FROM outbound_messages o
            WHERE o.state = 'pending' AND o.available_at <= now()
              AND (o.leased_until IS NULL OR o.leased_until < now()
                   OR NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(o.lease_pid)))
              AND (o.customer_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM outbound_messages e
                  WHERE e.state = 'pending' AND e.customer_id = o.customer_id AND e.id < o.id))
            ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        ), rest AS (
            SELECT o.id FROM outbound_messages o
            WHERE o.state = 'pending' AND o.available_at <= now()
              AND o.customer_id IN (SELECT customer_id FROM heads) AND o.id NOT IN (SELECT id FROM heads)
            ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        ), leased AS (
            UPDATE outbound_messages o SET leased_until = now() + interval '5 minutes', lease_pid = pg_backend_pid()
            WHERE o.id IN (SELECT id FROM heads UNION ALL SELECT id FROM rest)
            RETURNING o.id, o.business_id, o.branch_id, o.customer_id, o.phone_number_id, o.body
        )
        SELECT o.id, o.business_id, o.branch_id, o.customer_id, o.phone_number_id, o.body::text AS body,
               coalesce(b.whatsapp_access_token_encrypted, u.whatsapp_access_token_encrypted) AS token
        FROM leased o
        JOIN users u ON u.id = o.business_id
        LEFT JOIN branches b ON b.id = o.branch_id AND b.whatsapp_access_token_encrypted IS NOT NULL
        ORDER BY o.id
        """
    )
    /// A reply marked sent with Meta's message id and, unless it is a read mark, logged with its
    /// type, text and the message it replies to, in one statement.
    static let markSent = PostgresStatement(
        "outbound.sent",
        """
        WITH sent AS (
            UPDATE outbound_messages o SET state = 'sent', meta_message_id = $2, sent_at = now(),
                attempts = o.attempts + 1, leased_until = NULL
            WHERE o.id = $1
            RETURNING o.business_id, o.branch_id, o.customer_id, o.body, o.meta_message_id
        )
        INSERT INTO audit.message_logs (business_id, branch_id, customer_id, customer_phone_number, whatsapp_user_id,
                                        direction, message_type, text, meta_message_id, context_message_id, sent_at)
        SELECT s.business_id, s.branch_id, s.customer_id, c.wa_id, c.user_id, 'outbound',
               coalesce(s.body->>'type', 'unknown'),
               coalesce(s.body->'text'->>'body', s.body->'interactive'->'body'->>'text'), s.meta_message_id,
               s.body->'context'->>'message_id', now()
        FROM sent s JOIN whatsapp_customers c ON c.id = s.customer_id
        WHERE s.body->>'status' IS NULL
        ON CONFLICT (business_id, direction, meta_message_id) WHERE meta_message_id IS NOT NULL DO NOTHING
        """
    )
    static let markFailed = PostgresStatement(
        "outbound.failed",
        """
        UPDATE outbound_messages SET state = 'failed', error_code = $2, error = $3, attempts = attempts + 1,
            leased_until = NULL
        WHERE id = $1
        """
    )
    /// Still failing after the client's own retries: wait a minute, up to ten times.
    static let postpone = PostgresStatement(
        "outbound.postpone",
        """
        UPDATE outbound_messages SET attempts = attempts + 1, error_code = $2, error = $3, leased_until = NULL,
            state = CASE WHEN attempts + 1 >= 10 THEN 'failed'::outbound_state ELSE 'pending'::outbound_state END,
            available_at = now() + interval '1 minute'
        WHERE id = $1
        """
    )
    /// The replies of a customer queued behind one that failed: not tried this round, free again.
    static let release = PostgresStatement(
        "outbound.release",
        "UPDATE outbound_messages SET leased_until = NULL WHERE id = ANY($1::text[]::bigint[]) AND state = 'pending'"
    )

    /// Leases up to `limit` customers' heads of queue and the replies behind them (`claim`), in a
    /// statement that commits on its own.
    public func lease(_ limit: Int) async throws -> [Pending] {
        try await pool.query(OutboundQueue.claim, [limit]).map { row in
            Pending(
                id: try row.decode(Int.self, "id"),
                business: try row.decode(UUID.self, "business_id"),
                branch: try row.decode(UUID?.self, "branch_id"),
                customer: try row.decode(UUID?.self, "customer_id"),
                phoneNumberID: try row.decode(String.self, "phone_number_id"),
                body: try row.decode(String.self, "body"),
                token: try row.decode(String?.self, "token")
            )
        }
    }

    /// Sent, with Meta's id for it (`markSent`).
    public func markSent(_ id: Int, metaMessageID: String?) async throws {
        try await marks.run(OutboundQueue.markSent, [id, metaMessageID])
    }

    /// Failed for good: the Graph API refused it.
    public func markFailed(_ id: Int, code: Int?, error: String) async throws {
        try await marks.run(OutboundQueue.markFailed, [id, code, error])
    }

    /// Failed for now: tried again in a minute, at most ten times (`postpone`).
    public func postpone(_ id: Int, code: Int?, error: String) async throws {
        try await marks.run(OutboundQueue.postpone, [id, code, error])
    }

    /// Frees replies leased and not tried (queued behind one that failed).
    public func release(_ ids: [Int]) async throws {
        guard !ids.isEmpty else { return }
        try await pool.query(OutboundQueue.release, [PostgresTextArray(ids.map { String($0) })])
    }

    static let enqueue = PostgresStatement(
        "outbound.enqueue",
        named: """
            WITH queued AS (
                INSERT INTO outbound_messages (business_id, branch_id, customer_id, phone_number_id, body)
                VALUES (:business, :branch, :customer, :phone_number_id, :body::jsonb) RETURNING id)
            SELECT id, pg_notify(:channel, '') IS NULL AS woken FROM queued
            """
    )

    /// Queues one message (a Graph API request body) in the caller's transaction, and wakes the
    /// running servers' senders when it commits.
    public static func enqueue(
        business: UUID,
        branch: UUID?,
        customer: UUID,
        phoneNumberID: String,
        body: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            enqueue,
            [
                "business": business, "branch": branch, "customer": customer, "phone_number_id": phoneNumberID,
                "body": body, "channel": NotifyChannel.outbound,
            ]
        )
    }
}
