public import Foundation

/// The dashboard's logins (migration 0021): who may sign in, with which role, for which business
/// and branch. Passwords arrive here already hashed; this store never sees one in clear.
public struct AccountStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// What a login may do: an admin runs the platform; a business has owners (everything,
    /// including its logins), managers and staff (the order board only).
    public enum Role: String, Sendable, CaseIterable, Codable {
        case admin, owner, manager, staff
    }

    public struct Account: Sendable, Equatable {
        public let id: UUID
        public let email: String
        public let role: Role
        public let businessID: UUID?
        public let businessSlug: String?
        public let branchID: UUID?
        public let branchKey: String?
        public let displayName: String?
        public let language: String
        public let disabled: Bool
    }

    public struct AccountError: Error, Sendable, CustomStringConvertible {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let value: String
            public var description: String { value }
            public static let unknownBusiness = Code(value: "unknown_business")
            public static let unknownBranch = Code(value: "unknown_branch")
            public static let emailTaken = Code(value: "email_taken")
            public static let invalidEmail = Code(value: "invalid_email")
            public static let invalidScope = Code(value: "invalid_scope")
            public static let notFound = Code(value: "not_found")
        }
        public let code: Code
        public let message: String
        public var description: String { message }
    }

    /// An email as accounts keep it: trimmed, lower case; nil when it cannot be one.
    public static func normalized(email: String) -> String? {
        let text = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.count <= 254,
            !text.contains(where: { $0.isWhitespace })
        else { return nil }
        return text
    }

    static let columns = """
        a.id, a.email, a.role::text AS role, a.business_id, u.slug, a.branch_id, b.key::text AS branch_key,
        a.display_name, a.interface_language, a.disabled_at IS NOT NULL AS disabled
        """
    static let from = """
        FROM accounts a LEFT JOIN users u ON u.id = a.business_id LEFT JOIN branches b ON b.id = a.branch_id
        """

    static func account(_ row: PostgresRow) throws -> Account {
        Account(
            id: try row.decode(UUID.self, "id"),
            email: try row.decode(String.self, "email"),
            role: Role(rawValue: try row.decode(String.self, "role")) ?? .staff,
            businessID: try row.decode(UUID?.self, "business_id"),
            businessSlug: try row.decode(String?.self, "slug"),
            branchID: try row.decode(UUID?.self, "branch_id"),
            branchKey: try row.decode(String?.self, "branch_key"),
            displayName: try row.decode(String?.self, "display_name"),
            language: try row.decode(String.self, "interface_language"),
            disabled: try row.decode(Bool.self, "disabled")
        )
    }

    static let scope = PostgresStatement(
        "accounts.scope",
        named: """
            SELECT u.id AS business_id, b.id AS branch_id FROM users u
            LEFT JOIN branches b ON b.business_id = u.id AND b.key::text = :branch AND b.deleted_at IS NULL
            WHERE u.slug = :tenant AND u.user_type = 'business' AND u.deleted_at IS NULL
            """
    )
    static let insert = PostgresStatement(
        "accounts.insert",
        named: """
            INSERT INTO accounts (email, password_hash, role, business_id, branch_id, display_name, interface_language)
            VALUES (:email, :hash, :role::account_role, :business, :branch, :name, :language)
            ON CONFLICT (email) DO NOTHING
            RETURNING id
            """
    )

    /// Adds a login. A business role needs `tenant` (its slug), an admin none; `branch` (a branch
    /// key of that tenant) limits it to one branch.
    public func add(
        email: String,
        passwordHash: String,
        role: Role,
        tenant: String?,
        branch: String? = nil,
        displayName: String? = nil,
        language: String = "en"
    ) async throws -> Account {
        guard let email = AccountStore.normalized(email: email) else {
            throw AccountError(code: .invalidEmail, message: "not an email address")
        }
        guard (role == .admin) == (tenant == nil), branch == nil || tenant != nil else {
            throw AccountError(
                code: .invalidScope,
                message: role == .admin
                    ? "an admin belongs to the platform: no --tenant or --branch"
                    : "a \(role.rawValue) belongs to one business: --tenant SLUG is required"
            )
        }
        var business: UUID?
        var branchID: UUID?
        if let tenant {
            guard let row = try await pool.query(AccountStore.scope, ["tenant": tenant, "branch": branch]).first
            else { throw AccountError(code: .unknownBusiness, message: "no business \(tenant)") }
            business = try row.decode(UUID.self, "business_id")
            branchID = try row.decode(UUID?.self, "branch_id")
            if let branch, branchID == nil {
                throw AccountError(code: .unknownBranch, message: "\(tenant) has no branch \(branch)")
            }
        }
        let inserted = try await pool.query(
            AccountStore.insert,
            [
                "email": email, "hash": passwordHash, "role": role.rawValue, "business": business,
                "branch": branchID, "name": displayName, "language": language,
            ]
        )
        guard let id = try inserted.first?.decode(UUID.self, "id") else {
            throw AccountError(code: .emailTaken, message: "\(email) already has a login")
        }
        return try await account(id: id)!
    }

    static let byID = PostgresStatement(
        "accounts.by_id",
        "SELECT \(columns) \(from) WHERE a.id = $1"
    )
    static let byEmail = PostgresStatement(
        "accounts.by_email",
        "SELECT \(columns), a.password_hash \(from) WHERE a.email = $1"
    )
    static let all = PostgresStatement(
        "accounts.all",
        "SELECT \(columns) \(from) WHERE ($1::text IS NULL OR u.slug = $1) ORDER BY u.slug NULLS FIRST, a.email"
    )

    public func account(id: UUID) async throws -> Account? {
        try await pool.query(AccountStore.byID, [id]).first.map(AccountStore.account)
    }

    /// The account of `email` with its password hash, for signing in.
    public func credentials(email: String) async throws -> (account: Account, passwordHash: String)? {
        guard let email = AccountStore.normalized(email: email),
            let row = try await pool.query(AccountStore.byEmail, [email]).first
        else { return nil }
        return (try AccountStore.account(row), try row.decode(String.self, "password_hash"))
    }

    /// Every login, or a tenant's.
    public func list(tenant: String? = nil) async throws -> [Account] {
        try await pool.query(AccountStore.all, [tenant]).map(AccountStore.account)
    }

    static let disable = PostgresStatement(
        "accounts.disable",
        """
        WITH disabled AS (
            UPDATE accounts SET disabled_at = coalesce(disabled_at, now()) WHERE email = $1 RETURNING id
        )
        UPDATE account_sessions SET revoked_at = now()
        WHERE account_id IN (SELECT id FROM disabled) AND revoked_at IS NULL
        RETURNING (SELECT count(*) FROM disabled)::int AS found
        """
    )
    static let exists = PostgresStatement("accounts.exists", "SELECT id FROM accounts WHERE email = $1")
    static let setPassword = PostgresStatement(
        "accounts.set_password",
        """
        WITH changed AS (
            UPDATE accounts SET password_hash = $2, password_changed_at = now(), disabled_at = NULL
            WHERE email = $1 RETURNING id
        ), revoked AS (
            UPDATE account_sessions SET revoked_at = now()
            WHERE account_id IN (SELECT id FROM changed) AND revoked_at IS NULL RETURNING 1
        )
        SELECT count(*)::int AS found FROM changed
        """
    )

    /// Stops a login and revokes its sessions at once.
    public func disable(email: String) async throws {
        guard let email = AccountStore.normalized(email: email),
            try await pool.query(AccountStore.exists, [email]).first != nil
        else { throw AccountError(code: .notFound, message: "no login \(email)") }
        try await pool.query(AccountStore.disable, [email])
    }

    /// Sets a new password (and enables the login again); every session of it is revoked.
    public func setPassword(email: String, passwordHash: String) async throws {
        guard let email = AccountStore.normalized(email: email),
            try await pool.query(AccountStore.setPassword, [email, passwordHash])[0].decode(Int.self, "found") == 1
        else { throw AccountError(code: .notFound, message: "no login \(email)") }
    }
}

extension AccountStore {
    static let scoped = PostgresStatement(
        "accounts.scoped",
        "SELECT \(columns) \(from) ORDER BY a.role, a.email"
    )

    /// The logins a business scope sees (its own, under row-level security).
    public static func list(on connection: PostgresConnection) async throws -> [Account] {
        try await connection.query(scoped).map(account)
    }
}

extension AccountStore {
    /// What an owner changes about one of the business's logins; nil leaves a field as it is.
    public struct Change: Sendable {
        public var role: Role?
        /// A branch key to limit the login to, or "" for every branch.
        public var branch: String?
        public var disabled: Bool?

        public init(role: Role? = nil, branch: String? = nil, disabled: Bool? = nil) {
            self.role = role
            self.branch = branch
            self.disabled = disabled
        }
    }

    static let scopedByID = PostgresStatement("accounts.scoped_by_id", "SELECT \(columns) \(from) WHERE a.id = $1")
    static let change = PostgresStatement(
        "accounts.change",
        named: """
            UPDATE accounts SET
                role = coalesce(:role::account_role, role),
                branch_id = CASE WHEN :set_branch THEN :branch::uuid ELSE branch_id END,
                disabled_at = CASE WHEN :disabled::boolean IS NULL THEN disabled_at
                                   WHEN :disabled::boolean THEN coalesce(disabled_at, now()) ELSE NULL END
            WHERE id = :id
            """
    )
    static let revokeSessions = PostgresStatement(
        "accounts.revoke_sessions",
        "UPDATE account_sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL"
    )

    /// Changes a login of the scope's business, as `actor` (an owner) asked: audited with what it
    /// was and what it became; disabling it signs it out everywhere at once. Nil when the scope has
    /// no such login. An owner cannot change their own login (so a business always keeps one).
    public static func change(
        _ id: UUID,
        _ change: Change,
        by actor: Account,
        address: String?,
        on connection: PostgresConnection
    ) async throws -> Account? {
        guard let before = try await connection.query(scopedByID, [id]).first.map(account) else { return nil }
        guard id != actor.id else {
            throw AccountError(code: .invalidScope, message: "you cannot change your own login; ask another owner")
        }
        guard change.role != .admin else {
            throw AccountError(code: .invalidScope, message: "a business's login is an owner, a manager or staff")
        }
        var branchID: UUID?
        if let branch = change.branch, !branch.isEmpty {
            guard let row = try await connection.query(Invitations.branch, [branch]).first else {
                throw AccountError(code: .unknownBranch, message: "no branch \(branch)")
            }
            branchID = try row.decode(UUID.self, "id")
        }
        try await connection.query(
            AccountStore.change,
            [
                "id": id, "role": change.role?.rawValue, "set_branch": change.branch != nil, "branch": branchID,
                "disabled": change.disabled,
            ]
        )
        if change.disabled == true { try await connection.query(revokeSessions, [id]) }
        guard let after = try await connection.query(scopedByID, [id]).first.map(account) else { return nil }
        try await DashboardAudit.record(
            by: actor,
            action: "update",
            entity: "account",
            id: id,
            before: before.auditFields,
            after: after.auditFields,
            address: address,
            on: connection
        )
        return after
    }
}

extension AccountStore.Account {
    /// What the audit log keeps of a login.
    var auditFields: [String: String] {
        ["email": email, "role": role.rawValue, "branch": branchKey ?? "", "disabled": disabled ? "true" : "false"]
    }
}
