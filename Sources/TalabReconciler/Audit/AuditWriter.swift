import Foundation
import TalabConfig
import TalabStore

/// Writes the audit trail of an apply: one `audit.audit_logs` entry per change, attributed to the
/// commit's author with the file and line that caused it, and one `reconcile_runs` row per attempt,
/// failed ones included.
enum AuditWriter {
    static let columns = [
        "actor_name", "actor_email", "commit_sha", "reconcile_run_id", "business_id", "action", "entity_type",
        "entity_id", "before", "after", "file", "line",
    ]

    /// An entry per change, copied (`COPY`) in the apply's transaction.
    static func record(
        _ changes: [PlanChange],
        commit: GitCommit,
        runID: UUID,
        on connection: PostgresConnection
    ) async throws {
        guard !changes.isEmpty else { return }
        let run = runID.lowercasedText
        try await connection.copy(
            into: "audit.audit_logs",
            columns: columns,
            rows: changes.lazy.map { change -> [String?] in
                [
                    commit.author.name, commit.author.email, commit.sha, run,
                    DesiredState.businessID(change.slug).lowercasedText, change.auditAction, change.table.entity,
                    change.id.lowercasedText, change.before.flatMap { ColumnValue.auditJSON($0.values) },
                    change.action == .delete ? nil : ColumnValue.auditJSON(change.row.values), change.row.source?.file,
                    change.row.source.map { String($0.line) },
                ]
            },
            name: "reconcile.audit"
        )
    }

    /// One attempt to apply a commit, as `reconcile_runs` keeps it.
    struct Run {
        let id: UUID
        let commit: GitCommit
        let started: Date
        let outcome: String
        let counts: (creates: Int, updates: Int, deletes: Int, restores: Int)
        let error: String?

        /// An apply that committed this plan.
        init(id: UUID, commit: GitCommit, started: Date, plan: Plan) {
            self.id = id
            self.commit = commit
            self.started = started
            outcome = plan.isEmpty ? "no_changes" : "applied"
            counts = (plan.count(.create), plan.count(.update), plan.count(.delete), plan.count(.restore))
            error = nil
        }

        /// An apply that rolled back, and why.
        init(id: UUID, commit: GitCommit, started: Date, failure: String) {
            self.id = id
            self.commit = commit
            self.started = started
            outcome = "failed"
            counts = (0, 0, 0, 0)
            error = failure
        }
    }

    static let recordRun = PostgresStatement(
        "reconcile.run",
        named: """
            INSERT INTO reconcile_runs (id, commit_sha, actor_name, actor_email, started_at, finished_at, outcome,
                                        creates, updates, deletes, restores, error)
            VALUES (:id, :commit_sha, :actor_name, :actor_email, :started, now(), :outcome,
                    :creates, :updates, :deletes, :restores, :error)
            """
    )

    static func recordRun(_ run: Run, on connection: PostgresConnection) async throws {
        try await connection.query(
            recordRun,
            [
                "id": run.id, "commit_sha": run.commit.sha, "actor_name": run.commit.author.name,
                "actor_email": run.commit.author.email, "started": run.started, "outcome": run.outcome,
                "creates": run.counts.creates, "updates": run.counts.updates, "deletes": run.counts.deletes,
                "restores": run.counts.restores, "error": run.error,
            ]
        )
    }
}
