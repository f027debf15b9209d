import Foundation
import Synchronization
import TalabCore
import TalabStore

/// Each business's tenant and conversation engines, kept while its `catalog_versions` row does not
/// move: a message costs one column of a query, not reading the catalog and indexing the menu again.
final class EngineCache: Sendable {
    private struct Entry {
        let version: String
        let tenant: TenantConfig
        var engines: [String: ConversationEngine] = [:]
    }

    private let entries = Mutex<[UUID: Entry]>([:])
    let phrasebook: Phrasebook

    init(phrasebook: Phrasebook) { self.phrasebook = phrasebook }

    /// The business's tenant as its catalog stands at `version` (its `catalog_versions` row, read by
    /// the caller in a query it makes anyway); read from the database when the version moved.
    func tenant(_ business: UUID, version: String?, on connection: PostgresConnection) async throws -> TenantConfig? {
        if let version, let cached = entries.withLock({ $0[business] }), cached.version == version {
            return cached.tenant
        }
        guard let tenant = try await TenantCatalogLoader.load(business: business, on: connection) else { return nil }
        if let version { entries.withLock { $0[business] = Entry(version: version, tenant: tenant) } }
        return tenant
    }

    /// The engine of a branch of a tenant returned by `tenant(_:on:)`, built once per catalog version.
    func engine(_ business: UUID, _ tenant: TenantConfig, branch: String?) -> ConversationEngine {
        let key = branch ?? ""
        if let engine = entries.withLock({ $0[business]?.tenant == tenant ? $0[business]?.engines[key] : nil }) {
            return engine
        }
        let engine = ConversationEngine(
            tenant: tenant,
            branch: tenant.branches.first { $0.key == branch },
            phrasebook: phrasebook
        )
        entries.withLock { entries in
            if entries[business]?.tenant == tenant { entries[business]?.engines[key] = engine }
        }
        return engine
    }
}
