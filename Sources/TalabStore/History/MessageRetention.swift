public import Foundation

/// Keeps customers' messages no longer than `days` (`TALAB_MESSAGE_LOG_DAYS`): the live log
/// (`audit.message_logs`) and PostgreSQL's history of it lose what is older, in one transaction
/// that alone may delete from them (migration 0020). DynamoDB's history expires by its own TTL.
/// What the live path needs is elsewhere and untouched: receipts (dedupe) and the customers' last
/// message time (the 24-hour window).
public struct MessageRetention: Sendable {
    public let pool: PostgresPool
    public let days: Int

    public init(pool: PostgresPool, days: Int) {
        self.pool = pool
        self.days = days
    }

    static let cutoff = PostgresStatement(
        "retention.cutoff",
        "SELECT set_config('talab.expire_before', (now() - $1 * interval '1 day')::text, true) AS cutoff"
    )
    static let live = PostgresStatement(
        "retention.live",
        "DELETE FROM audit.message_logs WHERE sent_at < current_setting('talab.expire_before')::timestamptz"
    )
    static let history = PostgresStatement(
        "retention.history",
        "DELETE FROM history.message_logs WHERE at < current_setting('talab.expire_before')::timestamptz"
    )
    static let outbox = PostgresStatement(
        "retention.outbox",
        """
        DELETE FROM log_outbox WHERE collection = 'message_logs'
          AND at < current_setting('talab.expire_before')::timestamptz
        """
    )

    /// Deletes what is older than the cutoff; the messages removed from the live log and the history.
    @discardableResult
    public func expire() async throws -> (live: Int, history: Int) {
        try await pool.withTransaction { connection in
            try await connection.query(MessageRetention.cutoff, [days])
            let live = try await connection.query(MessageRetention.live).affectedRows
            let history = try await connection.query(MessageRetention.history).affectedRows
            try await connection.query(MessageRetention.outbox)
            return (live, history)
        }
    }
}
