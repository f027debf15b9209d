public import TalabConfig
public import TalabCore

/// A commit's tenants that do not validate: nothing was applied.
public struct InvalidTenants: Error, Sendable, CustomStringConvertible {
    public let validation: TenantValidation

    public var description: String {
        "the tenants at this commit do not validate: \(validation.errors.count) errors, the first "
            + (validation.errors.first?.description ?? "unknown")
    }
}

/// The use case behind `talab apply` (and, next, the dashboard's saved change): apply the tenants of
/// one commit. Only tenants whose folder or rows changed since they were last applied are read and
/// compared (all of them with `full`); tenants whose folder is gone are deleted.
extension Reconciler {
    /// What to apply of the commit, and how carefully.
    public struct CommitRequest: Sendable {
        /// The tenants to look at; empty for all of them.
        public var tenants: [String] = []
        /// Compare every tenant asked for, changed or not.
        public var full = false
        public var allowDestroy = false
        /// How long to wait for another apply to finish; forever when nil.
        public var lockTimeout: Duration?
        /// Apply exactly this reviewed plan (made at the same commit) or refuse.
        public var reviewed: ReviewedPlan?

        public init() {}
    }

    /// What an apply of a commit did: nothing when every tenant was as it was last applied.
    public struct CommitResult: Sendable {
        public let selection: TenantSelection
        /// Nil when nothing needed comparing.
        public let outcome: Outcome?

        /// The plan carried out, or the empty plan of an unchanged commit.
        public var plan: Plan { outcome?.plan ?? selection.unchangedPlan }
    }

    /// Applies the tenants of `source`'s commit as `request` says, all or nothing.
    public func apply(_ source: GitCommitSource, _ request: CommitRequest = .init()) async throws -> CommitResult {
        let selection =
            if let reviewed = request.reviewed {
                try await TenantSelection.reviewed(reviewed, source: source, reconciler: self)
            } else {
                try await TenantSelection.make(
                    source: source,
                    tenants: request.tenants,
                    reconciler: self,
                    full: request.full
                )
            }
        guard !selection.isUnchanged || request.reviewed != nil else {
            return CommitResult(selection: selection, outcome: nil)
        }
        let outcome = try await apply(
            Reconciler.validTenants(source, only: selection.slugs),
            commit: source.commit,
            subtrees: selection.subtrees,
            removed: selection.removed,
            allowDestroy: request.allowDestroy,
            lockTimeout: request.lockTimeout,
            reviewed: request.reviewed
        )
        return CommitResult(selection: selection, outcome: outcome)
    }

    /// The tenants `only` names at the commit, validated; `InvalidTenants` when any does not validate.
    public static func validTenants(_ source: any ConfigSource, only: Set<String>) throws -> [TenantConfig] {
        guard !only.isEmpty else { return [] }
        let validation = try TenantLoader().load(from: source, only: only)
        guard validation.isValid else { throw InvalidTenants(validation: validation) }
        return validation.tenants
    }
}
