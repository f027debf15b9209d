import CMalloc
import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
public import TalabStore

/// `talab bench reconcile`: a first apply of a generated repository, a no-op plan, a plan and an
/// apply after one price change, and the same no-op plan with the incremental skip turned off.
public struct ReconcileBenchmark: Sendable {
    public var tenants: Int
    public var items: Int

    public init(tenants: Int = 1000, items: Int = 50) {
        self.tenants = tenants
        self.items = items
    }

    public struct Report: Sendable {
        public let changes: Int
        public let firstApply: Double
        public let noOpPlan: Double
        public let planAfterOneChange: Double
        public let applyAfterOneChange: Double
        public let fullNoOpPlan: Double
        public let changedByOneCommit: Int
        /// The first apply's phases: selecting, loading and validating; then the apply's own.
        public let firstApplyPhases: [(name: String, seconds: Double)]
        /// The first apply's audit trail relayed into the history (PostgreSQL's), and how long it took.
        public let relayed: Int
        public let relaySeconds: Double
    }

    /// Runs against `server` (its superuser), in a database of its own it creates.
    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        progress: @Sendable (String) -> Void
    ) async throws
        -> Report
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-reconcile-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        progress("generating \(tenants) tenants × \(items) items")
        _ = try ConfigBenchmark(tenants: tenants, items: items, repetitions: 1, keepAt: folder).run { _ in }

        let url = try await BenchDatabase.fresh("talab_bench_reconcile", on: server, migrations: migrations)
        let pool = PostgresPool(url: url, maxConnections: 2)
        defer { pool.close() }
        let secrets = BenchSecrets()
        let reconciler = Reconciler(
            pool: pool,
            secrets: secrets,
            sealer: try SecretSealer(base64Key: Data(repeating: 7, count: 32).base64EncodedString())
        )
        let repository = try GitRepository(discoveringFrom: folder.path)

        progress("first apply of the commit before the price change")
        let ((changes, phases), firstApply) = try await measure {
            try await apply(repository, "HEAD~1", reconciler)
        }
        progress("relaying the first apply's audit trail into the history")
        let (relayed, relaySeconds) = try await measure {
            try await LogRelay(pool: pool, store: PostgresLogStore(pool: pool)).relayAll()
        }
        // `talab plan` runs in a process of its own; here the first apply's 210,000 rows were just
        // freed, and glibc consolidating them inside the next plan's first allocation cost it 13 ms
        // (measured). Returned first, as a fresh process would have nothing to return.
        _ = malloc_trim(0)
        progress("no-op plan at the same commit")
        let (_, noOpPlan) = try await measure { try await plan(repository, "HEAD~1", reconciler, full: false) }
        progress("no-op plan with the incremental skip off")
        let (_, fullNoOpPlan) = try await measure { try await plan(repository, "HEAD~1", reconciler, full: true) }
        progress("plan and apply of the commit that changes one price")
        let (changed, planAfter) = try await measure { try await plan(repository, "HEAD", reconciler, full: false) }
        let (_, applyAfter) = try await measure { try await apply(repository, "HEAD", reconciler) }
        return Report(
            changes: changes,
            firstApply: firstApply,
            noOpPlan: noOpPlan,
            planAfterOneChange: planAfter,
            applyAfterOneChange: applyAfter,
            fullNoOpPlan: fullNoOpPlan,
            changedByOneCommit: changed,
            firstApplyPhases: phases,
            relayed: relayed,
            relaySeconds: relaySeconds
        )
    }

    /// Selects, loads, validates and plans, as `talab plan` does; returns the number of changes.
    private func plan(
        _ repository: GitRepository,
        _ revision: String,
        _ reconciler: Reconciler,
        full: Bool
    )
        async throws -> Int
    {
        let source = try GitCommitSource(repository: repository, revision: revision)
        let selection = try await TenantSelection.make(source: source, tenants: [], reconciler: reconciler, full: full)
        guard !selection.slugs.isEmpty else { return 0 }
        let validation = try TenantLoader().load(from: source, only: selection.slugs)
        return try await reconciler.plan(validation.tenants).changes.count
    }

    /// Selects, loads, validates and applies, as `talab apply` does; returns the number of changes
    /// and how long each phase took.
    private func apply(
        _ repository: GitRepository,
        _ revision: String,
        _ reconciler: Reconciler
    ) async throws -> (Int, [(name: String, seconds: Double)]) {
        let clock = ContinuousClock()
        let start = clock.now
        let source = try GitCommitSource(repository: repository, revision: revision)
        let selection = try await TenantSelection.make(source: source, tenants: [], reconciler: reconciler, full: false)
        guard !selection.slugs.isEmpty else { return (0, []) }
        let validation = try TenantLoader().load(from: source, only: selection.slugs)
        let loaded = clock.now - start
        let outcome = try await reconciler.apply(
            validation.tenants,
            commit: source.commit,
            subtrees: selection.subtrees
        )
        let phases = [
            ("select, load and validate", loaded), ("plan", outcome.timings.plan),
            (
                outcome.timings.keysCheckedInBulk ? "write rows (keys checked in bulk)" : "write rows",
                outcome.timings.write
            ), ("audit", outcome.timings.audit),
        ]
        return (outcome.plan.changes.count, phases.map { (name: $0.0, seconds: ConfigBenchmark.seconds($0.1)) })
    }

    private func measure<Result>(_ body: () async throws -> Result) async rethrows -> (Result, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        return (result, ConfigBenchmark.seconds(clock.now - start))
    }
}

/// Every generated tenant's token, made up: the benchmark never talks to Meta.
struct BenchSecrets: SecretSource {
    func value(of reference: SecretReference) -> String? {
        switch reference {
        case .environment(let name): return "bench-token-\(name.lowercased())"
        }
    }
}
