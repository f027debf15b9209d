import Foundation
import TalabConfig
import TalabStore

/// Writes the audit trail of an apply: one `audit.audit_logs` entry per change, attributed to the
/// commit's author with the file and line that caused it, and one `reconcile_runs` row per attempt,
/// failed ones included.
enum AuditWriter {
    static let audit = PostgresStatement(
        "reconcile.audit",
        named: """
            INSERT INTO audit.audit_logs (actor_name, actor_email, commit_sha, reconcile_run_id, business_id, action,
                                          entity_type, entity_id, before, after, file, line)
            SELECT :actor_name, :actor_email, :commit_sha, :run::uuid, u.business_id::uuid, u.action, u.entity_type,
                   u.entity_id::uuid, u.before::jsonb, u.after::jsonb, u.file, u.line::integer
            FROM unnest(:businesses::text[], :actions::text[], :entity_types::text[], :entity_ids::text[],
                        :befores::text[], :afters::text[], :files::text[], :lines::text[])
                 AS u(business_id, action, entity_type, entity_id, before, after, file, line)
            """
    )

    /// An entry per change, in chunks of `BatchWriter.chunk`, in the apply's transaction.
    static func record(
        _ changes: [PlanChange],
        commit: GitCommit,
        runID: UUID,
        on connection: PostgresConnection
    ) async throws {
        func json(_ values: [String: ColumnValue]) -> String? { ColumnValue.auditJSON(values) }
        for chunk in changes.chunked(BatchWriter.chunk) {
            try await connection.query(
                audit,
                [
                    "actor_name": commit.author.name, "actor_email": commit.author.email, "commit_sha": commit.sha,
                    "run": runID.lowercasedText,
                    "businesses": PostgresTextArray(chunk.map { DesiredState.businessID($0.slug).lowercasedText }),
                    "actions": PostgresTextArray(chunk.map(\.auditAction)),
                    "entity_types": PostgresTextArray(chunk.map(\.table.entity)),
                    "entity_ids": PostgresTextArray(chunk.map { $0.id.lowercasedText }),
                    "befores": PostgresTextArray(chunk.map { $0.before.flatMap { json($0.values) } }),
                    "afters": PostgresTextArray(chunk.map { $0.action == .delete ? nil : json($0.row.values) }),
                    "files": PostgresTextArray(chunk.map { $0.row.source?.file }),
                    "lines": PostgresTextArray(chunk.map { $0.row.source.map { String($0.line) } }),
                ]
            )
        }
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
