import TalabConfig

/// The tenants a plan or an apply looks at: those asked for, less those unchanged since last applied.
public struct TenantSelection: Sendable {
    public let source: GitCommitSource
    /// Each tenant folder's git tree id at the commit, by slug.
    public let subtrees: [String: String]
    /// The tenants to compare row by row.
    public let slugs: Set<String>

    /// Reads the tenant folders' tree ids at the commit and asks the reconciler which changed;
    /// `full` compares every tenant asked for.
    public static func make(
        source: GitCommitSource,
        tenants requested: [String],
        reconciler: Reconciler,
        full: Bool
    ) async throws -> TenantSelection {
        var subtrees = try source.repository.entries(at: source.commit, in: TenantLoader.folder)
        guard !subtrees.isEmpty else {
            throw TenantSourceError(message: "no tenants under \(TenantLoader.folder)/ in \(source.label)")
        }
        if !requested.isEmpty {
            if let missing = Set(requested).subtracting(subtrees.keys).sorted().first {
                throw TenantSourceError(
                    message: "no tenant '\(missing)' under \(TenantLoader.folder)/ in \(source.label)"
                )
            }
            subtrees = subtrees.filter { requested.contains($0.key) }
        }
        let slugs = full ? Set(subtrees.keys) : try await reconciler.tenantsToCompare(subtrees: subtrees)
        return TenantSelection(source: source, subtrees: subtrees, slugs: slugs)
    }

    /// The empty plan of a run where every tenant is as it was last applied.
    public var unchangedPlan: Plan { Plan(changes: [], tenants: subtrees.keys.sorted()) }
}
