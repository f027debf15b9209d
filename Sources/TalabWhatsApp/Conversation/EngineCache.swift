import Foundation
import Synchronization
import TalabCore
import TalabStore

/// Each business's tenant and conversation engines, kept while its `catalog_versions` row does not
/// move: a message costs one column of a query, not reading the catalog and indexing the menu again.
/// At most `limit` businesses are kept, the least recently used let go first: an engine with its
/// transliteration and lexicon tables is some 200 KiB for a menu of forty items (issue #18), and a
/// platform has businesses that write once a month.
final class EngineCache: Sendable {
    private struct Entry {
        let version: String
        let tenant: TenantConfig
        var engines: [String: ConversationEngine] = [:]
        var used: UInt64 = 0
    }

    private struct Entries {
        var byBusiness: [UUID: Entry] = [:]
        var clock: UInt64 = 0

        /// Marks the business used now; when over `limit`, lets the least recently used go.
        mutating func touch(_ business: UUID, limit: Int) {
            clock += 1
            byBusiness[business]?.used = clock
            guard byBusiness.count > limit,
                let oldest = byBusiness.min(by: { $0.value.used < $1.value.used })?.key
            else { return }
            byBusiness.removeValue(forKey: oldest)
        }
    }

    private let entries = Mutex(Entries())
    let phrasebook: Phrasebook
    let limit: Int

    init(phrasebook: Phrasebook, limit: Int = 512) {
        self.phrasebook = phrasebook
        self.limit = limit
    }

    /// How many businesses are kept.
    var count: Int { entries.withLock { $0.byBusiness.count } }

    /// The business's tenant as its catalog stands at `version` (its `catalog_versions` row, read by
    /// the caller in a query it makes anyway); read from the database when the version moved.
    func tenant(_ business: UUID, version: String?, on connection: PostgresConnection) async throws -> TenantConfig? {
        if let version,
            let cached = entries.withLock({ entries -> Entry? in
                entries.touch(business, limit: limit)
                return entries.byBusiness[business]
            }), cached.version == version
        {
            return cached.tenant
        }
        guard let tenant = try await TenantCatalogLoader.load(business: business, on: connection) else { return nil }
        if let version {
            entries.withLock { entries in
                entries.byBusiness[business] = Entry(version: version, tenant: tenant)
                entries.touch(business, limit: limit)
            }
        }
        return tenant
    }

    /// The engine of a branch of a tenant returned by `tenant(_:on:)`, built once per catalog version.
    func engine(_ business: UUID, _ tenant: TenantConfig, branch: String?) -> ConversationEngine {
        let key = branch ?? ""
        if let engine = entries.withLock({
            $0.byBusiness[business]?.tenant == tenant ? $0.byBusiness[business]?.engines[key] : nil
        }) {
            return engine
        }
        let engine = ConversationEngine(
            tenant: tenant,
            branch: tenant.branches.first { $0.key == branch },
            phrasebook: phrasebook
        )
        entries.withLock { entries in
            if entries.byBusiness[business]?.tenant == tenant { entries.byBusiness[business]?.engines[key] = engine }
        }
        return engine
    }
}
