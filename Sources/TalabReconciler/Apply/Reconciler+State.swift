import Foundation
import TalabConfig
import TalabCore
import TalabStore

/// What the reconciler last applied per tenant, to skip tenants unchanged since and notice drift.
extension Reconciler {
    static let readState = PostgresStatement(
        "reconcile.read_state",
        """
        SELECT slug, business_id, subtree_oid, content_hash, secret_names, secrets_digest
        FROM tenant_reconcile_state WHERE slug = ANY($1::text[])
        """
    )
    static let appliedSlugs = PostgresStatement("reconcile.applied_slugs", "SELECT slug FROM tenant_reconcile_state")
    static let forgetState = PostgresStatement(
        "reconcile.forget_state",
        "DELETE FROM tenant_reconcile_state WHERE slug = ANY($1::text[])"
    )
    static let saveState = PostgresStatement(
        "reconcile.save_state",
        """
        INSERT INTO tenant_reconcile_state (business_id, slug, commit_sha, subtree_oid, content_hash, secret_names,
                                            secrets_digest)
        SELECT u.business_id::uuid, u.slug, $1, u.subtree_oid, u.content_hash,
            CASE WHEN u.names = '' THEN '{}'::text[] ELSE string_to_array(u.names, ' ') END, u.digest
        FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            AS u(business_id, slug, subtree_oid, content_hash, names, digest)
        ON CONFLICT (business_id) DO UPDATE SET slug = excluded.slug, commit_sha = excluded.commit_sha,
            subtree_oid = excluded.subtree_oid, content_hash = excluded.content_hash,
            secret_names = excluded.secret_names, secrets_digest = excluded.secrets_digest, applied_at = now()
        """
    )

    /// Every tenant applied from git and not deleted since, by slug.
    public func appliedTenants() async throws -> Set<String> {
        Set(try await pool.query(Reconciler.appliedSlugs).map { try $0.decode(String.self, "slug") })
    }

    /// The tenants a plan must compare row by row: those whose folder (its git tree id), rows
    /// (their fingerprint) or secrets (their keyed digest) changed since they were last applied. `subtrees` maps slugs to tree ids.
    public func tenantsToCompare(subtrees: [String: String]) async throws -> Set<String> {
        try await tenantStates(subtrees: subtrees).compare
    }

    /// The tenants whose folder is as last applied but whose rows moved: changed outside git.
    public func drifted(subtrees: [String: String]) async throws -> Set<String> {
        try await tenantStates(subtrees: subtrees).drifted
    }

    struct TenantStates {
        var compare: Set<String> = []
        var drifted: Set<String> = []
        /// The fingerprint of the rows of each tenant that has some, by slug.
        var fingerprints: [String: String] = [:]
    }

    func tenantStates(subtrees: [String: String]) async throws -> TenantStates {
        try await pool.withConnection { connection in
            var state: [String: (business: UUID, subtree: String, hash: String)] = [:]
            var secretsMoved: Set<String> = []
            for row in try await connection.query(Reconciler.readState, [PostgresTextArray(subtrees.keys.map { $0 })]) {
                let slug = try row.decode(String.self, "slug")
                state[slug] = (
                    try row.decode(UUID.self, "business_id"), try row.decode(String.self, "subtree_oid"),
                    try row.decode(String.self, "content_hash")
                )
                let names = try row.decode([String].self, "secret_names")
                if secretsDigest(names) != (try row.decode(String.self, "secrets_digest")) { secretsMoved.insert(slug) }
            }
            let fingerprints = try await TenantFingerprint.take(state.values.map(\.business), on: connection)
            var states = TenantStates()
            for (slug, subtree) in subtrees {
                guard let known = state[slug] else {
                    states.compare.insert(slug)
                    continue
                }
                states.fingerprints[slug] = fingerprints[known.business]
                guard known.subtree == subtree else {
                    states.compare.insert(slug)
                    continue
                }
                if (fingerprints[known.business] ?? "") != known.hash {
                    states.compare.insert(slug)
                    states.drifted.insert(slug)
                }
                // A secret it uses changed or is missing since last applied.
                if secretsMoved.contains(slug) { states.compare.insert(slug) }
            }
            return states
        }
    }

    /// Stores each applied tenant's tree id and row fingerprint, taken inside the same transaction.
    func remember(
        _ tenants: [TenantConfig],
        commit: GitCommit,
        subtrees: [String: String],
        on connection: PostgresConnection
    ) async throws {
        let applied = tenants.filter { subtrees[$0.slug] != nil }
        guard !applied.isEmpty else { return }
        let ids = applied.map { DesiredState.businessID($0.slug) }
        let fingerprints = try await TenantFingerprint.take(ids, on: connection)
        let names = applied.map { Reconciler.secretNames($0) }
        try await connection.query(
            Reconciler.saveState,
            [
                commit.sha,
                PostgresTextArray(ids.map { $0.lowercasedText }),
                PostgresTextArray(applied.map(\.slug)),
                PostgresTextArray(applied.map { subtrees[$0.slug] }),
                PostgresTextArray(ids.map { fingerprints[$0] ?? "" }),
                PostgresTextArray(names.map { $0.joined(separator: " ") }),
                PostgresTextArray(names.map { secretsDigest($0) }),
            ]
        )
    }

    /// The environment variables a tenant's WhatsApp numbers take their tokens from, sorted.
    static func secretNames(_ tenant: TenantConfig) -> [String] {
        let numbers = tenant.whatsappNumbers
        return Set(
            numbers.map { number in
                switch number.accessToken {
                case .environment(let name): return name
                }
            }
        ).sorted()
    }

    /// The keyed digest of the named secrets' values now: `none` for a tenant without secrets,
    /// `missing` when one is not set or no master key is there to key the digest (the tenant is
    /// then compared, and the plan says what is missing).
    func secretsDigest(_ names: [String]) -> String {
        guard !names.isEmpty else { return "none" }
        var values: [String: String] = [:]
        for name in names {
            guard let value = secrets.value(of: .environment(name)) else { return "missing" }
            values[name] = value
        }
        return sealer?.digest(values) ?? "missing"
    }
}
