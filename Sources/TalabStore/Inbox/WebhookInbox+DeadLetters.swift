public import Foundation

/// The operator's view of the inbox: how many bodies wait, and the dead letters (bodies given up
/// after ten failed attempts, or after their handling stopped a process three times), to read and retry.
extension WebhookInbox {
    /// A dead-lettered body, without its content (a customer's message is not for a terminal).
    public struct DeadLetter: Sendable, Equatable {
        public let id: Int
        public let receivedAt: Date
        public let failedAt: Date?
        public let attempts: Int
        public let lostAttempts: Int
        public let bytes: Int
        public let error: String?
    }

    /// Bodies by state: pending (with how many a live lease holds), done, failed.
    public struct Counts: Sendable, Equatable {
        public let pending: Int
        public let leased: Int
        public let done: Int
        public let failed: Int
    }

    static let deadLetters = PostgresStatement(
        "inbox.dead_letters",
        """
        SELECT id, received_at, processed_at, attempts, lost_attempts, octet_length(body) AS bytes, error
        FROM webhook_inbox WHERE state = 'failed' ORDER BY id DESC LIMIT $1
        """
    )
    static let retryDead = PostgresStatement(
        "inbox.retry_dead",
        """
        UPDATE webhook_inbox SET state = 'pending', attempts = 0, lost_attempts = 0, available_at = now(),
            lease = NULL, lease_pid = NULL, leased_until = NULL, processed_at = NULL
        WHERE id = $1 AND state = 'failed' RETURNING id
        """
    )
    static let counts = PostgresStatement(
        "inbox.counts",
        """
        SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
               count(*) FILTER (WHERE state = 'pending' AND leased_until > now())::int AS leased,
               count(*) FILTER (WHERE state = 'done')::int AS done,
               count(*) FILTER (WHERE state = 'failed')::int AS failed
        FROM webhook_inbox
        """
    )

    /// The newest dead letters first.
    public func deadLetters(limit: Int = 50) async throws -> [DeadLetter] {
        try await pool.query(WebhookInbox.deadLetters, [limit]).map {
            DeadLetter(
                id: try $0.decode(Int.self, "id"),
                receivedAt: try $0.decode(Date.self, "received_at"),
                failedAt: try $0.decode(Date?.self, "processed_at"),
                attempts: try $0.decode(Int.self, "attempts"),
                lostAttempts: try $0.decode(Int.self, "lost_attempts"),
                bytes: try $0.decode(Int.self, "bytes"),
                error: try $0.decode(String?.self, "error")
            )
        }
    }

    /// Puts a dead letter back to pending with its counts cleared; false when `id` is not one.
    /// Its customer's later messages, handled meanwhile, are not held back again.
    public func retry(deadLetter id: Int) async throws -> Bool {
        let retried = try await pool.query(WebhookInbox.retryDead, [id])
        if !retried.isEmpty { stored?.ring() }
        return !retried.isEmpty
    }

    public func counts() async throws -> Counts {
        let row = try await pool.query(WebhookInbox.counts)[0]
        return Counts(
            pending: try row.decode(Int.self, "pending"),
            leased: try row.decode(Int.self, "leased"),
            done: try row.decode(Int.self, "done"),
            failed: try row.decode(Int.self, "failed")
        )
    }
}
