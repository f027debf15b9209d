public import Foundation

/// Who made an admin request, as `PostgresPool.withAdmin` records it.
public struct AdminRequest: Sendable {
    public let account: AccountStore.Account
    public let method: String
    public let path: String
    public let address: String?

    public init(account: AccountStore.Account, method: String, path: String, address: String?) {
        self.account = account
        self.method = method
        self.path = path
        self.address = address
    }
}

/// The platform admin's path (migration 0025): a transaction as `talab_admin`, which reads every
/// business's rows but may change only subscriptions and whether a login is enabled; the request
/// is written to `audit.admin_requests` first, in the same transaction, so nothing is read unlogged.
extension PostgresPool {
    static let enterAdmin = PostgresStatement("scope.admin", "SELECT set_config('role', 'talab_admin', true)")
    static let recordAdmin = PostgresStatement(
        "scope.admin_request",
        "INSERT INTO audit.admin_requests (account_id, email, method, path, address) VALUES ($1, $2, $3, $4, $5::inet)"
    )

    public func withAdmin<Result>(
        _ request: AdminRequest,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        precondition(request.account.role == .admin, "the admin path is for admins")
        return try await withTransaction { connection in
            try await connection.query(PostgresPool.enterAdmin)
            try await connection.query(
                PostgresPool.recordAdmin,
                [
                    request.account.id, request.account.email, request.method, String(request.path.prefix(500)),
                    request.address,
                ]
            )
            return try await body(connection)
        }
    }
}

/// What the platform's admins see and set, run inside `withAdmin`.
public enum PlatformAdmin {
    public struct Subscription: Sendable, Equatable {
        public var type: String
        public var status: String
        public var price: Decimal?
        public var startedAt: Date?
        public var endsAt: Date?

        public init(type: String, status: String, price: Decimal?, startedAt: Date?, endsAt: Date?) {
            self.type = type
            self.status = status
            self.price = price
            self.startedAt = startedAt
            self.endsAt = endsAt
        }

        public static let types = ["standard", "premium"]
        public static let statuses = ["active", "past_due", "canceled"]

        var auditFields: [String: String] {
            [
                "type": type, "status": status, "price": price.map { "\($0)" } ?? "",
                "started_at": startedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "",
                "ends_at": endsAt.map { ISO8601DateFormatter().string(from: $0) } ?? "",
            ]
        }
    }

    public struct Business: Sendable {
        public let id: UUID
        public let slug: String
        public let name: String
        public let type: String
        public let timeZone: String
        public let subscription: Subscription
        public let branches: Int
        public let logins: Int
        public let liveOrders: Int
    }

    static let businesses = PostgresStatement(
        "admin.businesses",
        """
        SELECT u.id, u.slug, u.business_name, u.business_type::text AS business_type, u.timezone,
               coalesce(u.subscription_type::text, 'standard') AS subscription_type,
               coalesce(u.subscription_status::text, 'active') AS subscription_status,
               u.subscription_price, u.subscription_started_at, u.subscription_ends_at,
               (SELECT count(*) FROM branches b WHERE b.business_id = u.id AND b.deleted_at IS NULL)::int AS branches,
               (SELECT count(*) FROM accounts a WHERE a.business_id = u.id AND a.disabled_at IS NULL)::int AS logins,
               (SELECT count(*) FROM orders o WHERE o.business_id = u.id)::int AS live_orders
        FROM users u WHERE u.user_type = 'business' AND u.deleted_at IS NULL AND ($1::uuid IS NULL OR u.id = $1)
        ORDER BY u.business_name, u.slug
        """
    )

    static func business(_ row: PostgresRow) throws -> Business {
        Business(
            id: try row.decode(UUID.self, "id"),
            slug: try row.decode(String?.self, "slug") ?? "",
            name: try row.decode(String?.self, "business_name") ?? "",
            type: try row.decode(String?.self, "business_type") ?? "",
            timeZone: try row.decode(String.self, "timezone"),
            subscription: Subscription(
                type: try row.decode(String.self, "subscription_type"),
                status: try row.decode(String.self, "subscription_status"),
                price: try row.decode(Decimal?.self, "subscription_price"),
                startedAt: try row.decode(Date?.self, "subscription_started_at"),
                endsAt: try row.decode(Date?.self, "subscription_ends_at")
            ),
            branches: try row.decode(Int.self, "branches"),
            logins: try row.decode(Int.self, "logins"),
            liveOrders: try row.decode(Int.self, "live_orders")
        )
    }

    /// Every business on the platform, or one.
    public static func businesses(_ id: UUID? = nil, on connection: PostgresConnection) async throws -> [Business] {
        try await connection.query(businesses, [id]).map(business)
    }

    public struct AdminError: Error, Sendable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { message }
    }

    static let setSubscription = PostgresStatement(
        "admin.set_subscription",
        named: """
            UPDATE users SET subscription_type = :type::subscription_type,
                subscription_status = :status::subscription_status, subscription_price = :price::numeric,
                subscription_started_at = :started, subscription_ends_at = :ends, updated_at = now()
            WHERE id = :id AND user_type = 'business' AND deleted_at IS NULL
            """
    )

    /// Sets a business's subscription, audited with what it was; nil when there is no such business.
    public static func setSubscription(
        _ subscription: Subscription,
        of id: UUID,
        request: AdminRequest,
        on connection: PostgresConnection
    ) async throws -> Business? {
        guard Subscription.types.contains(subscription.type), Subscription.statuses.contains(subscription.status)
        else {
            throw AdminError(
                code: "invalid_subscription",
                message: "type is standard or premium; status is active, past_due or canceled"
            )
        }
        if let price = subscription.price, price < 0 || price >= 100_000_000 {
            throw AdminError(code: "invalid_subscription", message: "price is 0 to 99,999,999.99")
        }
        if let start = subscription.startedAt, let end = subscription.endsAt, end <= start {
            throw AdminError(code: "invalid_subscription", message: "the period ends after it starts")
        }
        guard let before = try await businesses(id, on: connection).first else { return nil }
        try await connection.query(
            setSubscription,
            [
                "id": id, "type": subscription.type, "status": subscription.status,
                "price": subscription.price.map { "\($0)" }, "started": subscription.startedAt,
                "ends": subscription.endsAt,
            ]
        )
        try await DashboardAudit.record(
            by: request.account,
            action: "update",
            entity: "subscription",
            id: id,
            business: id,
            before: before.subscription.auditFields,
            after: subscription.auditFields,
            address: request.address,
            on: connection
        )
        return try await businesses(id, on: connection).first
    }

    /// Every login on the platform.
    public static func accounts(on connection: PostgresConnection) async throws -> [AccountStore.Account] {
        try await AccountStore.list(on: connection)
    }

    static let setDisabled = PostgresStatement(
        "admin.set_disabled",
        """
        UPDATE accounts SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END
        WHERE id = $1 RETURNING business_id
        """
    )

    /// Disables a login (its sessions end at once) or enables it again, audited; false when there is
    /// no such login. An admin does not disable themselves.
    public static func setDisabled(
        _ disabled: Bool,
        account id: UUID,
        request: AdminRequest,
        on connection: PostgresConnection
    ) async throws -> Bool {
        guard id != request.account.id else {
            throw AdminError(code: "own_login", message: "you cannot disable your own login")
        }
        guard let before = try await connection.query(AccountStore.scopedByID, [id]).first.map(AccountStore.account),
            let row = try await connection.query(setDisabled, [id, disabled]).first
        else { return false }
        if disabled { try await connection.query(AccountStore.revokeSessions, [id]) }
        let after = try await connection.query(AccountStore.scopedByID, [id]).first.map(AccountStore.account)
        try await DashboardAudit.record(
            by: request.account,
            action: "update",
            entity: "account",
            id: id,
            business: try row.decode(UUID?.self, "business_id"),
            before: before.auditFields,
            after: after?.auditFields,
            address: request.address,
            on: connection
        )
        return true
    }

    public struct Unroutable: Sendable {
        public let phoneNumberID: String
        public let payloads: Int
        public let firstSeen: Date
        public let lastSeen: Date
    }

    static let unroutable = PostgresStatement(
        "admin.unroutable",
        """
        SELECT phone_number_id, payloads, first_seen_at, last_seen_at FROM webhook_unroutable
        ORDER BY last_seen_at DESC LIMIT 200
        """
    )

    /// Webhooks for numbers no business has (a number not configured yet, or a misdirected app).
    public static func unroutable(on connection: PostgresConnection) async throws -> [Unroutable] {
        try await connection.query(unroutable).map { row in
            Unroutable(
                phoneNumberID: try row.decode(String.self, "phone_number_id"),
                payloads: try row.decode(Int.self, "payloads"),
                firstSeen: try row.decode(Date.self, "first_seen_at"),
                lastSeen: try row.decode(Date.self, "last_seen_at")
            )
        }
    }

    public struct Run: Sendable {
        public let id: UUID
        public let commit: String
        public let actor: String
        public let actorEmail: String?
        public let startedAt: Date
        public let finishedAt: Date?
        public let outcome: String
        public let creates: Int
        public let updates: Int
        public let deletes: Int
        public let restores: Int
        public let error: String?
    }

    static let runColumns = """
        id, commit_sha, actor_name, actor_email, started_at, finished_at, outcome, creates, updates, deletes,
        restores, error
        """
    static let runs = PostgresStatement(
        "admin.runs",
        "SELECT \(runColumns) FROM reconcile_runs ORDER BY started_at DESC LIMIT 100"
    )
    static let oneRun = PostgresStatement("admin.run", "SELECT \(runColumns) FROM reconcile_runs WHERE id = $1")

    static func run(_ row: PostgresRow) throws -> Run {
        Run(
            id: try row.decode(UUID.self, "id"),
            commit: try row.decode(String.self, "commit_sha"),
            actor: try row.decode(String.self, "actor_name"),
            actorEmail: try row.decode(String?.self, "actor_email"),
            startedAt: try row.decode(Date.self, "started_at"),
            finishedAt: try row.decode(Date?.self, "finished_at"),
            outcome: try row.decode(String.self, "outcome"),
            creates: try row.decode(Int.self, "creates"),
            updates: try row.decode(Int.self, "updates"),
            deletes: try row.decode(Int.self, "deletes"),
            restores: try row.decode(Int.self, "restores"),
            error: try row.decode(String?.self, "error")
        )
    }

    /// The latest reconcile runs, newest first.
    public static func runs(on connection: PostgresConnection) async throws -> [Run] {
        try await connection.query(runs).map(run)
    }

    /// One change a run made: the plan as applied, with the file and line that caused it.
    public struct Change: Sendable {
        public let business: String?
        public let action: String
        public let entity: String
        public let file: String?
        public let line: Int?
        public let before: String?
        public let after: String?
    }

    static let changes = PostgresStatement(
        "admin.run_changes",
        """
        SELECT u.slug, l.action, l.entity_type, l.file, l.line, l.before::text AS before, l.after::text AS after
        FROM audit.audit_logs l LEFT JOIN users u ON u.id = l.business_id
        WHERE l.reconcile_run_id = $1 ORDER BY l.id LIMIT 2000
        """
    )

    /// A run and what it changed.
    public static func run(_ id: UUID, on connection: PostgresConnection) async throws -> (Run, [Change])? {
        guard let run = try await connection.query(oneRun, [id]).first.map(run) else { return nil }
        let changes = try await connection.query(changes, [id]).map { row in
            Change(
                business: try row.decode(String?.self, "slug"),
                action: try row.decode(String.self, "action"),
                entity: try row.decode(String.self, "entity_type"),
                file: try row.decode(String?.self, "file"),
                line: try row.decode(Int?.self, "line"),
                before: try row.decode(String?.self, "before"),
                after: try row.decode(String?.self, "after")
            )
        }
        return (run, changes)
    }
}
