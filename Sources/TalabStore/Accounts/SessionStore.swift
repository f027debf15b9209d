public import Foundation

/// Signed-in sessions of the dashboard's logins, kept server-side so that signing out, "sign out
/// everywhere", disabling a login or changing its password revoke at once whatever token a browser
/// still holds; and the failed sign-ins that slow guessing down.
public struct SessionStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public struct Session: Sendable, Equatable {
        public let id: UUID
        public let accountID: UUID
        public let expiresAt: Date
    }

    static let open = PostgresStatement(
        "sessions.open",
        named: """
            INSERT INTO account_sessions (account_id, business_id, expires_at, user_agent, address)
            SELECT a.id, a.business_id, now() + :seconds * interval '1 second', :agent, :address::inet
            FROM accounts a WHERE a.id = :account AND a.disabled_at IS NULL
            RETURNING id, account_id, expires_at
            """
    )
    static let clearFailures = PostgresStatement(
        "sessions.clear_failures",
        "DELETE FROM sign_in_failures WHERE email = (SELECT email FROM accounts WHERE id = $1)"
    )

    /// Opens a session of `lifetime` for an enabled account (nil when it is disabled) and forgets
    /// its failed sign-ins.
    public func open(
        account: UUID,
        lifetime: TimeInterval,
        userAgent: String?,
        address: String?
    ) async throws -> Session? {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                SessionStore.open,
                [
                    "account": account, "seconds": Int(lifetime), "agent": userAgent.map { String($0.prefix(300)) },
                    "address": address,
                ]
            )
            guard let row = rows.first else { return nil }
            try await connection.query(SessionStore.clearFailures, [account])
            return Session(
                id: try row.decode(UUID.self, "id"),
                accountID: try row.decode(UUID.self, "account_id"),
                expiresAt: try row.decode(Date.self, "expires_at")
            )
        }
    }

    static let signedIn = PostgresStatement(
        "sessions.signed_in",
        """
        WITH s AS (
            SELECT s.id, s.account_id, s.last_seen_at FROM account_sessions s
            WHERE s.id = $1 AND s.account_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()
        ), seen AS (
            UPDATE account_sessions t SET last_seen_at = now() FROM s
            WHERE t.id = s.id AND s.last_seen_at < now() - interval '1 minute'
        )
        SELECT \(AccountStore.columns) FROM s JOIN accounts a ON a.id = s.account_id
        LEFT JOIN users u ON u.id = a.business_id LEFT JOIN branches b ON b.id = a.branch_id
        WHERE a.disabled_at IS NULL
        """
    )

    /// The login of a request whose token names `session` and `account`, in one statement, if the
    /// session is still good (not revoked, not expired, its login enabled). When it was last seen
    /// over a minute ago it is noted, so most requests write nothing (and wait for no commit).
    public func signedIn(session: UUID, account: UUID) async throws -> AccountStore.Account? {
        try await pool.query(SessionStore.signedIn, [session, account]).first.map(AccountStore.account)
    }

    static let revoke = PostgresStatement(
        "sessions.revoke",
        "UPDATE account_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
    )
    static let revokeAll = PostgresStatement(
        "sessions.revoke_all",
        "UPDATE account_sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL"
    )

    /// Signs one session out.
    public func revoke(_ id: UUID) async throws { try await pool.query(SessionStore.revoke, [id]) }

    /// Signs every session of an account out ("sign out everywhere").
    public func revokeAll(account: UUID) async throws { try await pool.query(SessionStore.revokeAll, [account]) }

    static let recordFailure = PostgresStatement(
        "sessions.record_failure",
        "INSERT INTO sign_in_failures (email, address) VALUES ($1, $2::inet)"
    )
    static let failures = PostgresStatement(
        "sessions.failures",
        named: """
            SELECT (SELECT count(*) FROM sign_in_failures
                    WHERE email = :email AND at > now() - :window * interval '1 second')::int AS by_email,
                   (SELECT count(*) FROM sign_in_failures
                    WHERE address = :address::inet AND at > now() - :window * interval '1 second')::int AS by_address,
                   (SELECT max(at) FROM sign_in_failures
                    WHERE (email = :email OR address = :address::inet)
                      AND at > now() - :window * interval '1 second') AS latest
            """
    )

    /// Remembers a failed sign-in for `email` (as typed, normalised) from `address`.
    public func recordFailure(email: String, address: String?) async throws {
        let key = AccountStore.normalized(email: email) ?? String(email.prefix(254))
        try await pool.query(SessionStore.recordFailure, [key, address])
    }

    /// Failed sign-ins within `window` seconds, for the email and for the address, and the latest.
    public func failures(
        email: String,
        address: String?,
        window: TimeInterval
    ) async throws -> (byEmail: Int, byAddress: Int, latest: Date?) {
        let key = AccountStore.normalized(email: email) ?? String(email.prefix(254))
        let row = try await pool.query(
            SessionStore.failures,
            ["email": key, "address": address, "window": Int(window)]
        )[0]
        return (
            try row.decode(Int.self, "by_email"), try row.decode(Int.self, "by_address"),
            try row.decode(Date?.self, "latest")
        )
    }
}
