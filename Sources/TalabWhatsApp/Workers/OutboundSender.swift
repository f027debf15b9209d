import Foundation
import Logging
import ServiceLifecycle
import TalabCore
import TalabStore

/// Sends queued replies through the Graph API: one customer's replies in order, customers in
/// parallel; the branch's token, else the business's, opened from the database.
public struct OutboundSender: Service {
    public let pool: PostgresPool
    public let graph: GraphClient
    public let sealer: SecretSealer?
    public let doorbell: Doorbell
    public let logger: Logger
    public let batch: Int

    public init(
        pool: PostgresPool,
        graph: GraphClient,
        sealer: SecretSealer?,
        doorbell: Doorbell,
        logger: Logger,
        batch: Int = 64
    ) {
        self.pool = pool
        self.graph = graph
        self.sealer = sealer
        self.doorbell = doorbell
        self.logger = logger
        self.batch = batch
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A round is not cancelled by a graceful shutdown: a post cut off mid-way may have
            // reached Meta, and would be posted again. The drain's deadline bounds it.
            let sent = try await sendOnce()
            // Rest until rung (at once when a reply was queued during this round) unless the round
            // was full; postponed replies come due on the timeout.
            if sent < batch { try? await cancelWhenGracefulShutdown { await doorbell.wait(timeout: .seconds(1)) } }
        }
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
    struct Pending: Sendable {
        let id: Int
        let business: UUID
        let branch: UUID?
        let customer: UUID?
        let phoneNumberID: String
        let body: String
        let token: String?
    }

    enum Result: Sendable {
        case sent(String?)
        case failed(GraphError)
    }

    /// Leases one batch and sends it: customers in parallel, each customer's replies one after
    /// another, each marked as soon as the Graph API answered. Returns how many replies it tried.
    @discardableResult
    public func sendOnce() async throws -> Int {
        let pending = try await pool.query(OutboundSender.claim, [batch]).map { row in
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
        guard !pending.isEmpty else { return 0 }
        // A failure stops its customer's chain: the rest wait behind it, in order.
        var chains: [[Pending]] = []
        var chainOf: [UUID: Int] = [:]
        for message in pending.sorted(by: { $0.id < $1.id }) {
            if let customer = message.customer, let index = chainOf[customer] {
                chains[index].append(message)
            } else {
                if let customer = message.customer { chainOf[customer] = chains.count }
                chains.append([message])
            }
        }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for chain in chains {
                group.addTask {
                    for (index, message) in chain.enumerated() {
                        let result = await deliver(message)
                        try await record(result, of: message)
                        if case .failed = result {
                            let behind = chain.dropFirst(index + 1).map { String($0.id) }
                            if !behind.isEmpty {
                                try await pool.query(OutboundSender.release, [PostgresTextArray(behind)])
                            }
                            return index + 1
                        }
                    }
                    return chain.count
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// Marks one reply as the Graph API answered it, at once: the fewer replies posted and not yet
    /// marked, the fewer a killed process posts again after its restart.
    private func record(_ result: Result, of message: Pending) async throws {
        switch result {
        case .sent(let metaID):
            try await pool.query(OutboundSender.markSent, [message.id, metaID])
        case .failed(let error) where error.retryable:
            try await pool.query(OutboundSender.postpone, [message.id, error.code, error.description])
        case .failed(let error):
            logger.warning(
                "reply not sent",
                metadata: ["outbound_id": "\(message.id)", "code": "\(error.code ?? 0)", "title": "\(error.title)"]
            )
            try await pool.query(OutboundSender.markFailed, [message.id, error.code, error.description])
        }
    }

    private func deliver(_ message: Pending) async -> Result {
        guard let sealed = message.token, let sealer, let token = sealer.open(sealed) else {
            return .failed(
                GraphError(
                    httpStatus: nil,
                    code: nil,
                    title: "no readable access token for this number",
                    retryable: false
                )
            )
        }
        do {
            return .sent(
                try await graph.send(Array(message.body.utf8), from: message.phoneNumberID, token: token).messageID
            )
        } catch {
            return .failed(error)
        }
    }

}
