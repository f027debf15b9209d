import Foundation
import TalabConfig
import TalabCore
import TalabStore

/// Plans and applies tenant configuration against PostgreSQL.
///
/// `apply` runs in one transaction under an advisory lock: it reads the database again, plans, makes
/// every change and writes an audit record for each, attributed to the commit's author. Anything
/// that fails rolls all of it back; the failed run is still recorded.
public struct Reconciler: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// The result of an apply: the plan it carried out and the run's id in `reconcile_runs`.
    public struct Outcome: Sendable {
        public let plan: Plan
        public let runID: UUID
    }

    static let lockKey = 7_150_421_338
    static let lock = PostgresStatement("reconcile.lock", "SELECT pg_advisory_xact_lock($1)")
    static let audit = PostgresStatement(
        "reconcile.audit",
        """
        INSERT INTO audit.audit_logs (actor_name, actor_email, business_id, action, entity_type, entity_id, before,
                                      after, commit_sha, file, line, reconcile_run_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12)
        """
    )
    static let recordRun = PostgresStatement(
        "reconcile.run",
        """
        INSERT INTO reconcile_runs (id, commit_sha, actor_name, actor_email, started_at, finished_at, outcome,
                                    creates, updates, deletes, restores, error)
        VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, $10, $11)
        """
    )

    /// What applying these tenants would change now.
    public func plan(_ tenants: [TenantConfig]) async throws -> Plan {
        try await pool.withConnection { connection in
            try await makePlan(tenants, on: connection)
        }
    }

    /// Applies these tenants as configured at `commit`, all or nothing.
    public func apply(_ tenants: [TenantConfig], commit: GitCommit) async throws -> Outcome {
        let runID = UUID()
        let started = Date()
        do {
            let plan = try await pool.withTransaction { connection in
                try await connection.query(Reconciler.lock, [Reconciler.lockKey])
                let plan = try await makePlan(tenants, on: connection)
                for change in plan.changes {
                    try await execute(change, on: connection)
                    try await record(change, commit: commit, runID: runID, on: connection)
                }
                try await connection.query(
                    Reconciler.recordRun,
                    [
                        runID, commit.sha, commit.author.name, commit.author.email, started,
                        plan.isEmpty ? "no_changes" : "applied", plan.count(.create), plan.count(.update),
                        plan.count(.delete), plan.count(.restore), String?.none,
                    ]
                )
                return plan
            }
            return Outcome(plan: plan, runID: runID)
        } catch {
            // The transaction rolled back; the attempt itself is still worth a record.
            _ = try? await pool.query(
                Reconciler.recordRun,
                [
                    runID, commit.sha, commit.author.name, commit.author.email, started, "failed", 0, 0, 0, 0,
                    String(describing: error),
                ]
            )
            throw error
        }
    }

    private func makePlan(_ tenants: [TenantConfig], on connection: PostgresConnection) async throws -> Plan {
        var businesses: [UUID: String] = [:]
        for tenant in tenants { businesses[DesiredState.businessID(tenant.slug)] = tenant.slug }
        let actual = try await ActualState.rows(on: connection, businesses: businesses)
        let desired = tenants.flatMap(DesiredState.rows(for:))
        return Plan.make(desired: desired, actual: actual, tenants: tenants.map(\.slug).sorted())
    }

    private func execute(_ change: PlanChange, on connection: PostgresConnection) async throws {
        let table = change.table
        switch change.action {
        case .create:
            try await connection.query(
                Reconciler.insert(table),
                [change.id] + table.columns.map { change.row[$0.name].binding }
            )
        case .update, .restore:
            try await connection.query(
                Reconciler.update(table),
                [change.id] + table.columns.map { change.row[$0.name].binding }
            )
        case .delete:
            try await connection.query(Reconciler.delete(table), [change.id])
        }
    }

    private func record(
        _ change: PlanChange,
        commit: GitCommit,
        runID: UUID,
        on connection: PostgresConnection
    )
        async throws
    {
        let businessID = DesiredState.businessID(change.slug)
        let before = change.before.map { Reconciler.json($0.values) }
        let after = change.action == .delete ? nil : Reconciler.json(change.row.values)
        try await connection.query(
            Reconciler.audit,
            [
                commit.author.name, commit.author.email, businessID, change.auditAction, change.table.entity, change.id,
                before, after, commit.sha, change.row.source?.file, change.row.source?.line, runID,
            ]
        )
    }

    static func json(_ values: [String: ColumnValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func insert(_ table: ConfigTable) -> PostgresStatement {
        let names = ["id"] + table.columns.map(\.name)
        let placeholders = names.indices.map { "$\($0 + 1)" }
        return PostgresStatement(
            "reconcile.insert.\(table.name)",
            "INSERT INTO \(table.name) (\(names.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", ")))"
        )
    }

    static func update(_ table: ConfigTable) -> PostgresStatement {
        var assignments = table.columns.enumerated().map { "\($0.element.name) = $\($0.offset + 2)" }
        if table.softDelete { assignments.append("deleted_at = NULL") }
        return PostgresStatement(
            "reconcile.update.\(table.name)",
            "UPDATE \(table.name) SET \(assignments.joined(separator: ", ")) WHERE id = $1"
        )
    }

    static func delete(_ table: ConfigTable) -> PostgresStatement {
        PostgresStatement(
            "reconcile.delete.\(table.name)",
            table.softDelete
                ? "UPDATE \(table.name) SET deleted_at = now() WHERE id = $1"
                : "DELETE FROM \(table.name) WHERE id = $1"
        )
    }
}
