public import Foundation
import Synchronization
public import TalabConfig
public import TalabCore
public import TalabStore

/// Plans and applies tenant configuration against PostgreSQL.
///
/// `apply` runs in one transaction under an advisory lock: it reads the database again, plans, makes
/// every change and writes an audit record for each, attributed to the commit's author. Anything
/// that fails rolls all of it back; the failed run is still recorded.
public struct Reconciler: Sendable {
    public let pool: PostgresPool
    /// Where the secrets that tenant files name are read.
    public let secrets: any SecretSource
    /// Seals secrets for the database; needed as soon as a tenant names one.
    public let sealer: SecretSealer?
    /// Where the images tenants name are copied; needed as soon as a tenant names one.
    public let objects: (any ObjectStore)?
    /// From how many new rows an apply checks their foreign keys per key rather than per row
    /// (`ReferenceCheck`): the check scans each table written, worth it for a large apply only.
    var bulkChecksFrom = 10_000

    public init(
        pool: PostgresPool,
        secrets: any SecretSource = EnvironmentSecrets(),
        sealer: SecretSealer? = nil,
        objects: (any ObjectStore)? = nil
    ) {
        self.pool = pool
        self.secrets = secrets
        self.sealer = sealer
        self.objects = objects
    }

    /// The result of an apply: the plan it carried out and the run's id in `reconcile_runs`.
    public struct Outcome: Sendable {
        public let plan: Plan
        public let runID: UUID
        /// Images copied to the object store; one already there is not copied again.
        public let imagesCopied: Int
        /// Where the apply's time went, phase by phase.
        public let timings: Timings
    }

    /// How long each phase of an apply took (in its transaction, after the lock).
    public struct Timings: Sendable {
        /// Reading the database and working out the changes.
        public var plan: Duration = .zero
        /// Writing the changed rows, their foreign keys checked.
        public var write: Duration = .zero
        /// Writing an audit record for each change, and the run's own.
        public var audit: Duration = .zero
        /// Whether the new rows' foreign keys were checked per key rather than per row (`ReferenceCheck`).
        public var keysCheckedInBulk = false
    }

    static let lockKey = AdvisoryLock.reconcile
    static let lock = PostgresStatement("reconcile.lock", "SELECT pg_advisory_xact_lock($1)")
    static let tryLock = PostgresStatement("reconcile.try_lock", "SELECT pg_try_advisory_xact_lock($1) AS taken")
    static let nameSession = PostgresStatement(
        "reconcile.name_session",
        "SELECT set_config('application_name', $1, true)"
    )
    /// Who holds the apply lock (an advisory lock on a bigint key: its high and low 32 bits), since when.
    static let lockHolder = PostgresStatement(
        "reconcile.lock_holder",
        """
        SELECT a.application_name AS holder, a.xact_start AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ($1::bigint >> 32)::oid
          AND l.objid = ($1::bigint & 4294967295)::oid AND l.pid <> pg_backend_pid()
        """
    )
    /// Tells running servers (`talab serve` listens) that the catalog changed; sent at commit.
    static let notifyServers = PostgresStatement(
        "reconcile.notify",
        "SELECT pg_notify($1, $2) IS NULL AS sent"
    )
    /// What applying these tenants would change now; `removed` tenants would be deleted.
    public func plan(_ tenants: [TenantConfig], removed: [String] = []) async throws -> Plan {
        try await pool.withConnection { connection in
            try await makePlan(tenants, removed: removed, on: connection)
        }
    }

    /// Applies these tenants as configured at `commit`, all or nothing, and deletes the `removed`
    /// ones. With `subtrees` (slug to the tenant folder's git tree id), it also records what it
    /// applied, so later plans can skip them. With `reviewed`, it applies exactly that plan or
    /// refuses: when the database moved since it was made, or when the plan now differs.
    public func apply(
        _ tenants: [TenantConfig],
        commit: GitCommit,
        subtrees: [String: String] = [:],
        removed: [String] = [],
        allowDestroy: Bool = false,
        lockTimeout: Duration? = nil,
        reviewed: ReviewedPlan? = nil
    ) async throws -> Outcome {
        let runID = UUID()
        let started = Date()
        do {
            let clock = ContinuousClock()
            var timings = Timings()
            let (plan, copied) = try await pool.withTransaction { connection in
                // Named after the commit, so a second apply can say who holds the lock.
                let name = "talab apply \(commit.shortSHA) by \(commit.author.name)"
                try await connection.query(Reconciler.nameSession, [String(name.prefix(63))])
                try await takeLock(on: connection, timeout: lockTimeout)
                var mark = clock.now
                let plan = try await makePlan(tenants, removed: removed, on: connection)
                timings.plan = clock.now - mark
                if let reviewed { try check(plan, against: reviewed, commit: commit) }
                if !allowDestroy && !plan.destructive.isEmpty {
                    throw ReconcileError(
                        code: .destructivePlan,
                        message: "refused without --allow-destroy: " + plan.destructive.joined(separator: "; ")
                    )
                }
                // Before the rows point at them; a rollback leaves unused objects, never a broken URL.
                let copied = try await storeImages(plan, tenants)
                mark = clock.now
                timings.keysCheckedInBulk = try await write(plan, on: connection)
                if !plan.isEmpty {
                    try await connection.query(Reconciler.notifyServers, [NotifyChannel.catalog, commit.sha])
                }
                timings.write = clock.now - mark
                mark = clock.now
                try await AuditWriter.record(plan.changes, commit: commit, runID: runID, on: connection)
                try await remember(tenants, commit: commit, subtrees: subtrees, on: connection)
                if !removed.isEmpty { try await connection.query(Reconciler.forgetState, [PostgresTextArray(removed)]) }
                try await AuditWriter.recordRun(
                    .init(id: runID, commit: commit, started: started, plan: plan),
                    on: connection
                )
                timings.audit = clock.now - mark
                return (plan, copied)
            }
            return Outcome(plan: plan, runID: runID, imagesCopied: copied, timings: timings)
        } catch {
            // The transaction rolled back; the attempt itself is still worth a record.
            _ = try? await pool.withConnection { connection in
                try await AuditWriter.recordRun(
                    .init(id: runID, commit: commit, started: started, failure: String(describing: error)),
                    on: connection
                )
            }
            throw error
        }
    }

    private func makePlan(
        _ tenants: [TenantConfig],
        removed: [String],
        on connection: PostgresConnection
    ) async throws -> Plan {
        var businesses: [UUID: String] = [:]
        for tenant in tenants { businesses[DesiredState.businessID(tenant.slug)] = tenant.slug }
        for slug in removed { businesses[DesiredState.businessID(slug)] = slug }
        let secretValues = try resolveSecrets(tenants)
        let fingerprints = try await TenantFingerprint.take(Array(businesses.keys), on: connection)
        var actual = try await ActualState.rows(on: connection, businesses: businesses)
        unseal(&actual)
        var existingItems: [String: [String: UUID]] = [:]
        for row in actual.values where row.table == .items {
            if case .text(let key) = row["key"] { existingItems[row.slug, default: [:]][key] = row.id }
        }
        // Each tenant's rows on its own: on every core (a first apply's 210,000 rows take a second on one).
        let images = try tenants.map { tenant throws(ReconcileError) in try imageURLs(tenant) }
        let rows = Mutex([[ConfigRow]](repeating: [], count: tenants.count))
        let itemsByTenant = existingItems
        DispatchQueue.concurrentPerform(iterations: tenants.count) { index in
            let tenantRows = DesiredState.rows(
                for: tenants[index],
                existingItems: itemsByTenant[tenants[index].slug] ?? [:],
                secrets: secretValues,
                imageURLs: images[index]
            )
            rows.withLock { $0[index] = tenantRows }
        }
        let desired = rows.withLock { $0 }.flatMap { $0 }
        var plan = Plan.make(
            desired: desired,
            actual: actual,
            tenants: (tenants.map(\.slug) + removed).sorted(),
            removedTenants: removed.sorted()
        )
        for (id, slug) in businesses { plan.basis[slug] = fingerprints[id] ?? "" }
        return plan
    }

    /// Refuses a reviewed plan that is not the one about to be applied, saying what moved.
    private func check(_ plan: Plan, against reviewed: ReviewedPlan, commit: GitCommit) throws(ReconcileError) {
        guard reviewed.commit == commit.sha else {
            throw ReconcileError(
                code: .stalePlan,
                message: "the plan was made at \(reviewed.commit.prefix(12)), not at \(commit.shortSHA)"
            )
        }
        let moved = reviewed.tenants.filter { reviewed.basis[$0] != plan.basis[$0] }
        guard moved.isEmpty, Set(reviewed.tenants) == Set(plan.tenants) else {
            let which = moved.isEmpty ? "the tenants to compare differ" : "changed: " + moved.joined(separator: ", ")
            throw ReconcileError(
                code: .stalePlan,
                message: "the database moved since the plan was made (\(which)); make a new plan and review it"
            )
        }
        guard reviewed.digest == plan.digest else {
            throw ReconcileError(
                code: .stalePlan,
                message: "the changes differ from the reviewed plan (a secret or the schema changed); make a new plan"
            )
        }
    }

    /// Waits for the apply lock: forever without a timeout, else until it passes, then says who holds it.
    private func takeLock(on connection: PostgresConnection, timeout: Duration?) async throws {
        guard let timeout else {
            try await connection.query(Reconciler.lock, [Reconciler.lockKey])
            return
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await connection.query(Reconciler.tryLock, [Reconciler.lockKey])[0].decode(Bool.self, "taken") {
                return
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let holders = try await connection.query(Reconciler.lockHolder, [Reconciler.lockKey])
        let holder = try holders.first.map { row in
            let since = try row.decode(Date?.self, "since").map { ISO8601DateFormatter().string(from: $0) } ?? "?"
            return "\(try row.decode(String?.self, "holder") ?? "another session") since \(since)"
        }
        throw ReconcileError(
            code: .lockTimeout,
            message:
                "another apply holds the lock (\(holder ?? "it has just finished; try again")); gave up after \(timeout)"
        )
    }

    /// Writes the plan's rows; whether their foreign keys were checked in bulk.
    private func write(_ plan: Plan, on connection: PostgresConnection) async throws -> Bool {
        guard !plan.isEmpty else { return false }
        let writer = try await BatchWriter.load(on: connection)
        var creates: [String: [ConfigRow]] = [:]
        var updates: [String: [ConfigRow]] = [:]
        var deletes: [String: [UUID]] = [:]
        for change in plan.changes {
            switch change.action {
            case .create: creates[change.table.name, default: []].append(change.row)
            case .update, .restore: updates[change.table.name, default: []].append(change.row)
            case .delete: deletes[change.table.name, default: []].append(change.id)
            }
        }
        // New rows first, parents before children; many of them with their foreign keys checked per key.
        let newRows = creates.values.reduce(0) { $0 + $1.count }
        let references = newRows >= bulkChecksFrom ? try await ReferenceCheck.load(on: connection) : nil
        let unchecked = try await references?.skipRowChecks(inserting: Array(creates.keys), on: connection) ?? false
        for table in ConfigTable.all {
            if let rows = creates[table.name] { try await writer.insert(sealed(rows), into: table, on: connection) }
        }
        if unchecked, let references { try await references.check(creates.mapValues(\.count), on: connection) }
        for table in ConfigTable.all {
            if let rows = updates[table.name] { try await writer.update(sealed(rows), in: table, on: connection) }
        }
        for table in ConfigTable.all.reversed() {
            if let ids = deletes[table.name] { try await writer.delete(ids, from: table, on: connection) }
        }
        return unchecked
    }
}
