public import TalabConfig

/// The tenants a plan or an apply looks at: those asked for, less those unchanged since last applied.
public struct TenantSelection: Sendable {
    public let source: GitCommitSource
    /// Each tenant folder's git tree id at the commit, by slug.
    public let subtrees: [String: String]
    /// The tenants to compare row by row.
    public let slugs: Set<String>
    /// Tenants applied before whose folder is gone from the commit: applying deletes them.
    public let removed: [String]
    /// The fingerprint of each tenant's rows now, for the basis of an empty plan.
    let fingerprints: [String: String]

    /// Reads the tenant folders' tree ids at the commit and asks the reconciler which changed;
    /// `full` compares every tenant asked for.
    public static func make(
        source: GitCommitSource,
        tenants requested: [String],
        reconciler: Reconciler,
        full: Bool
    ) async throws -> TenantSelection {
        let commit = source.commit
        var subtrees = try await source.repository.run { (git) throws(GitError) in
            try git.entries(at: commit, in: TenantLoader.folder)
        }
        var removed = try await reconciler.appliedTenants().subtracting(subtrees.keys)
        guard !subtrees.isEmpty || !removed.isEmpty else {
            throw TenantSourceError(.noTenants, message: "no tenants under \(TenantLoader.folder)/ in \(source.label)")
        }
        if !requested.isEmpty {
            removed.formIntersection(requested)
            if let missing = Set(requested).subtracting(subtrees.keys).subtracting(removed).sorted().first {
                throw TenantSourceError(
                    .unknownTenant,
                    message: "no tenant '\(missing)' under \(TenantLoader.folder)/ in \(source.label)"
                )
            }
            subtrees = subtrees.filter { requested.contains($0.key) }
        }
        let states = try await reconciler.tenantStates(subtrees: subtrees)
        return TenantSelection(
            source: source,
            subtrees: subtrees,
            slugs: full ? Set(subtrees.keys) : states.compare,
            removed: removed.sorted(),
            fingerprints: states.fingerprints
        )
    }

    /// The tenants a reviewed plan compared, at its commit: an apply of it compares exactly those.
    public static func reviewed(
        _ plan: ReviewedPlan,
        source: GitCommitSource,
        reconciler: Reconciler
    ) async throws -> TenantSelection {
        let commit = source.commit
        let subtrees = try await source.repository.run { (git) throws(GitError) in
            try git.entries(at: commit, in: TenantLoader.folder)
        }
        .filter { plan.tenants.contains($0.key) }
        return TenantSelection(
            source: source,
            subtrees: subtrees,
            slugs: Set(plan.tenants).subtracting(plan.removedTenants),
            removed: plan.removedTenants,
            fingerprints: [:]
        )
    }

    /// Whether nothing needs comparing: every tenant is as it was last applied, none was removed.
    public var isUnchanged: Bool { slugs.isEmpty && removed.isEmpty }

    /// The empty plan of a run where every tenant is as it was last applied.
    public var unchangedPlan: Plan {
        var plan = Plan(changes: [], tenants: subtrees.keys.sorted())
        for slug in subtrees.keys { plan.basis[slug] = fingerprints[slug] ?? "" }
        return plan
    }
}
