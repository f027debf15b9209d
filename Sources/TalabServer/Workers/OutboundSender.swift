import Foundation
import Logging
import ServiceLifecycle
import TalabReconciler
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
            let sent = try await cancelWhenGracefulShutdown { try await sendOnce() }
            // Rest until rung (at once when a reply was queued during this round) unless the round
            // was full; postponed replies come due on the timeout.
            if sent < batch { await doorbell.wait(timeout: .seconds(1)) }
        }
    }

    /// The first pending reply of each customer, oldest first, that no other sender holds, and the
    /// rest of those customers' queues in order: their head is locked by this claim, so no other
    /// sender can take any of them (its claim needs no older pending row of the customer). Each with
    /// the token to send it with: the branch's, else the business's.
    static let claim = PostgresStatement(
        "outbound.claim",
        """
        WITH heads AS (
            SELECT o.id, o.customer_id FROM outbound_messages o
            WHERE o.state = 'pending' AND o.available_at <= now()
              AND (o.customer_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM outbound_messages e
                  WHERE e.state = 'pending' AND e.customer_id = o.customer_id AND e.id < o.id))
            ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        ), rest AS (
            SELECT o.id FROM outbound_messages o
            WHERE o.state = 'pending' AND o.available_at <= now()
              AND o.customer_id IN (SELECT customer_id FROM heads) AND o.id NOT IN (SELECT id FROM heads)
            ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
        )
        SELECT o.id, o.business_id, o.branch_id, o.customer_id, o.phone_number_id, o.body::text AS body,
               coalesce(b.whatsapp_access_token_encrypted, u.whatsapp_access_token_encrypted) AS token
        FROM outbound_messages o
        JOIN users u ON u.id = o.business_id
        LEFT JOIN branches b ON b.id = o.branch_id AND b.whatsapp_access_token_encrypted IS NOT NULL
        WHERE o.id IN (SELECT id FROM heads UNION ALL SELECT id FROM rest)
        ORDER BY o.id
        """
    )
    /// Every reply sent in a round marked with Meta's message id, and the messages among them (not
    /// read marks) logged with their type, text and the message they reply to, in one statement.
    static let markSent = PostgresStatement(
        "outbound.sent",
        """
        WITH sent AS (
            UPDATE outbound_messages o SET state = 'sent', meta_message_id = u.meta, sent_at = now(),
                attempts = o.attempts + 1
            FROM unnest($1::text[]::bigint[], $2::text[]) AS u(id, meta) WHERE o.id = u.id
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
        UPDATE outbound_messages SET state = 'failed', error_code = $2, error = $3, attempts = attempts + 1
        WHERE id = $1
        """
    )
    /// Still failing after the client's own retries: wait a minute, up to ten times.
    static let postpone = PostgresStatement(
        "outbound.postpone",
        """
        UPDATE outbound_messages SET attempts = attempts + 1, error_code = $2, error = $3,
            state = CASE WHEN attempts + 1 >= 10 THEN 'failed'::outbound_state ELSE 'pending'::outbound_state END,
            available_at = now() + interval '1 minute'
        WHERE id = $1
        """
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

    /// Sends one batch in one transaction; returns how many replies it handled.
    @discardableResult
    public func sendOnce() async throws -> Int {
        try await pool.withTransaction { connection in
            func decode(_ rows: PostgresRows) throws -> [Pending] {
                try rows.map { row in
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
            let pending = try decode(try await connection.query(OutboundSender.claim, [batch]))
            guard !pending.isEmpty else { return 0 }
            // Customers in parallel; each customer's messages one after another, stopping at a
            // failure (the rest wait behind it, in order).
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
            let results = await withTaskGroup(of: [(Int, Result)].self) { group in
                for chain in chains {
                    group.addTask {
                        var results: [(Int, Result)] = []
                        for message in chain {
                            let result = await deliver(message)
                            results.append((message.id, result))
                            if case .failed = result { break }
                        }
                        return results
                    }
                }
                var results: [Int: Result] = [:]
                for await chain in group {
                    for (id, result) in chain { results[id] = result }
                }
                return results
            }
            // What was sent is marked and logged in one statement for the whole round.
            var sent: [(message: Pending, metaID: String?)] = []
            for message in pending {
                if case .sent(let id) = results[message.id] { sent.append((message, id)) }
            }
            if !sent.isEmpty {
                try await connection.query(
                    OutboundSender.markSent,
                    [PostgresTextArray(sent.map { String($0.message.id) }), PostgresTextArray(sent.map(\.metaID))]
                )
            }
            for message in pending {
                switch results[message.id] {
                case .sent: break
                case .failed(let error) where error.retryable:
                    try await connection.query(OutboundSender.postpone, [message.id, error.code, error.description])
                case .failed(let error):
                    logger.warning(
                        "reply not sent",
                        metadata: [
                            "outbound_id": "\(message.id)", "code": "\(error.code ?? 0)", "title": "\(error.title)",
                        ]
                    )
                    try await connection.query(OutboundSender.markFailed, [message.id, error.code, error.description])
                case nil: break
                }
            }
            return results.count
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
