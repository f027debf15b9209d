import Crypto
public import Foundation

/// Owners adding their own people (migration 0024): an invitation names an email, a role and
/// optionally a branch; its link carries a secret that only its SHA-256 is kept of, good once until
/// it expires or is revoked. Creating, listing and revoking run in the business's scope; accepting
/// runs for someone not signed in yet, on the server's role, found by the secret alone.
public enum Invitations {
    public struct Invitation: Sendable, Equatable {
        public let id: UUID
        public let email: String
        public let role: AccountStore.Role
        public let branchID: UUID?
        public let branchKey: String?
        public let invitedBy: String
        public let createdAt: Date
        public let expiresAt: Date
        public let acceptedAt: Date?
        public let revokedAt: Date?

        /// Whether the link still opens.
        public func open(at now: Date = Date()) -> Bool {
            acceptedAt == nil && revokedAt == nil && expiresAt > now
        }
    }

    /// An invitation just made, with the secret of its link (shown once, never stored).
    public struct Created: Sendable {
        public let invitation: Invitation
        public let secret: String
    }

    public struct InvitationError: Error, Sendable, CustomStringConvertible {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let value: String
            public var description: String { value }
            public static let emailTaken = Code(value: "email_taken")
            public static let invalidEmail = Code(value: "invalid_email")
            public static let invalidRole = Code(value: "invalid_role")
            public static let unknownBranch = Code(value: "unknown_branch")
            public static let notFound = Code(value: "not_found")
            public static let invitationClosed = Code(value: "invitation_closed")
        }
        public let code: Code
        public let message: String
        public var description: String { message }
    }

    public static let closedMessage = "This invitation was used, revoked or has expired. Ask for a new one."

    /// How long a link opens for.
    public static let lifetime: TimeInterval = 7 * 24 * 60 * 60

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static let columns = """
        i.id, i.email, i.role::text AS role, i.branch_id, b.key::text AS branch_key,
        coalesce(a.display_name, a.email) AS invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
        """
    static let from = """
        FROM account_invitations i LEFT JOIN branches b ON b.id = i.branch_id JOIN accounts a ON a.id = i.invited_by
        """

    static func invitation(_ row: PostgresRow) throws -> Invitation {
        Invitation(
            id: try row.decode(UUID.self, "id"),
            email: try row.decode(String.self, "email"),
            role: AccountStore.Role(rawValue: try row.decode(String.self, "role")) ?? .staff,
            branchID: try row.decode(UUID?.self, "branch_id"),
            branchKey: try row.decode(String?.self, "branch_key"),
            invitedBy: try row.decode(String.self, "invited_by"),
            createdAt: try row.decode(Date.self, "created_at"),
            expiresAt: try row.decode(Date.self, "expires_at"),
            acceptedAt: try row.decode(Date?.self, "accepted_at"),
            revokedAt: try row.decode(Date?.self, "revoked_at")
        )
    }

    static let branch = PostgresStatement(
        "invitations.branch",
        "SELECT id FROM branches WHERE key::text = $1 AND deleted_at IS NULL"
    )
    static let taken = PostgresStatement(
        "invitations.taken",
        """
        SELECT (SELECT count(*) FROM accounts WHERE email = $1)::int
             + (SELECT count(*) FROM account_invitations
                WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now())::int AS n
        """
    )
    static let insert = PostgresStatement(
        "invitations.insert",
        named: """
            INSERT INTO account_invitations (business_id, email, role, branch_id, token_hash, invited_by, expires_at)
            VALUES (talab_business(), :email, :role::account_role, :branch, :digest, :by, now() + :lifetime * interval '1 second')
            RETURNING id
            """
    )
    static let byID = PostgresStatement("invitations.by_id", "SELECT \(columns) \(from) WHERE i.id = $1")
    static let all = PostgresStatement(
        "invitations.all",
        "SELECT \(columns) \(from) ORDER BY i.created_at DESC LIMIT 100"
    )
    static let revoke = PostgresStatement(
        "invitations.revoke",
        """
        UPDATE account_invitations SET revoked_at = now()
        WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id
        """
    )

    /// Invites `email` as `role` of the scope's business (optionally one branch, by key), by `by`.
    /// Checks what an owner can be told plainly: a login or a live invitation for that email already.
    public static func create(
        email: String,
        role: AccountStore.Role,
        branch: String?,
        by actor: AccountStore.Account,
        address: String?,
        on connection: PostgresConnection
    ) async throws -> Created {
        guard let email = AccountStore.normalized(email: email) else {
            throw InvitationError(code: .invalidEmail, message: "not an email address")
        }
        guard role != .admin else {
            throw InvitationError(code: .invalidRole, message: "a business invites owners, managers or staff")
        }
        var branchID: UUID?
        if let branch, !branch.isEmpty {
            guard let row = try await connection.query(Invitations.branch, [branch]).first else {
                throw InvitationError(code: .unknownBranch, message: "no branch \(branch)")
            }
            branchID = try row.decode(UUID.self, "id")
        }
        // Only this business's logins are visible here: an email another business uses is found
        // when the invitation is accepted, without telling this owner whose it is.
        if try await connection.query(Invitations.taken, [email])[0].decode(Int.self, "n") > 0 {
            throw InvitationError(code: .emailTaken, message: "\(email) already has a login or an open invitation")
        }
        let secret = randomSecret()
        let id = try await connection.query(
            insert,
            [
                "email": email, "role": role.rawValue, "branch": branchID, "digest": digest(secret), "by": actor.id,
                "lifetime": Int(lifetime),
            ]
        )[0].decode(UUID.self, "id")
        let invitation = try await connection.query(byID, [id]).map(Invitations.invitation)[0]
        try await DashboardAudit.record(
            by: actor,
            action: "create",
            entity: "invitation",
            id: id,
            before: nil,
            after: ["email": email, "role": role.rawValue, "branch": branch ?? ""],
            address: address,
            on: connection
        )
        return Created(invitation: invitation, secret: secret)
    }

    /// The scope's invitations, newest first.
    public static func list(on connection: PostgresConnection) async throws -> [Invitation] {
        try await connection.query(all).map(invitation)
    }

    /// Revokes an open invitation of the scope, audited; false when there is none by that id.
    public static func revoke(
        _ id: UUID,
        by actor: AccountStore.Account,
        address: String?,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard try await !connection.query(Invitations.revoke, [id]).isEmpty else { return false }
        try await DashboardAudit.record(
            by: actor,
            action: "revoke",
            entity: "invitation",
            id: id,
            before: nil,
            after: nil,
            address: address,
            on: connection
        )
        return true
    }

    static let lookup = PostgresStatement(
        "invitations.lookup",
        """
        SELECT \(columns), i.business_id, u.business_name FROM account_invitations i
        LEFT JOIN branches b ON b.id = i.branch_id JOIN accounts a ON a.id = i.invited_by
        JOIN users u ON u.id = i.business_id
        WHERE i.token_hash = $1
        """
    )

    /// The invitation a link's secret opens (whatever its state), with the business's name.
    public static func find(secret: String, pool: PostgresPool) async throws -> (Invitation, business: String)? {
        guard let row = try await pool.query(lookup, [digest(secret)]).first else { return nil }
        return (try invitation(row), try row.decode(String?.self, "business_name") ?? "")
    }

    static let claim = PostgresStatement(
        "invitations.claim",
        """
        SELECT id, business_id, email, role::text AS role, branch_id FROM account_invitations
        WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        FOR UPDATE
        """
    )
    static let accepted = PostgresStatement(
        "invitations.accepted",
        "UPDATE account_invitations SET accepted_at = now(), account_id = $2 WHERE id = $1"
    )
    static let acceptedAudit = PostgresStatement(
        "invitations.audit",
        """
        INSERT INTO audit.audit_logs (actor_user_id, actor_name, actor_email, business_id, action, entity_type, entity_id, after, ip)
        VALUES ($1, coalesce($2, $3), $3, $4, 'create', 'account', $1,
                jsonb_build_object('email', $3::text, 'role', $5::text, 'invitation', $6::uuid), $7::inet)
        """
    )

    /// Turns an open invitation into a login with `passwordHash`, once: a second use, an expired or
    /// revoked link, or an email that meanwhile got a login is refused and changes nothing.
    public static func accept(
        secret: String,
        passwordHash: String,
        displayName: String?,
        language: String,
        address: String?,
        pool: PostgresPool
    ) async throws -> UUID {
        try await pool.withTransaction { connection in
            guard let row = try await connection.query(claim, [digest(secret)]).first else {
                throw InvitationError(code: .invitationClosed, message: closedMessage)
            }
            let invitation = try row.decode(UUID.self, "id")
            let email = try row.decode(String.self, "email")
            let role = try row.decode(String.self, "role")
            let inserted = try await connection.query(
                AccountStore.insert,
                [
                    "email": email, "hash": passwordHash, "role": role,
                    "business": try row.decode(UUID.self, "business_id"),
                    "branch": try row.decode(UUID?.self, "branch_id"), "name": displayName, "language": language,
                ]
            )
            guard let account = try inserted.first?.decode(UUID.self, "id") else {
                throw InvitationError(code: .emailTaken, message: "\(email) already has a login: sign in instead")
            }
            try await connection.query(accepted, [invitation, account])
            try await connection.query(
                acceptedAudit,
                [account, displayName, email, try row.decode(UUID.self, "business_id"), role, invitation, address]
            )
            return account
        }
    }

    /// 32 random bytes, base64url without padding: the secret of a link.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
