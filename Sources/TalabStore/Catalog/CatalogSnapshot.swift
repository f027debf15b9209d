public import Foundation
import Synchronization
import TalabCore
import TalabMetrics

/// The reconciled catalog as the runtime routes by it: which business and branch own a WhatsApp
/// number. Read from PostgreSQL when the server starts and again whenever `talab apply` commits.
public struct CatalogSnapshot: Sendable {
    public struct Business: Sendable, Hashable {
        public let id: UUID
        public let slug: String
        public let name: String
        public let defaultLanguage: String?
        public let branches: [Branch]
    }

    public struct Branch: Sendable, Hashable {
        public let id: UUID
        public let key: String
        public let name: String
    }

    /// Where a payload's `metadata.phone_number_id` leads.
    public enum Route: Sendable, Hashable {
        /// The number is a branch's.
        case branch(Business, Branch)
        /// The number is the business's own; with several branches the conversation chooses one.
        case business(Business)
        /// No tenant has this number.
        case unroutable
    }

    public let businesses: [UUID: Business]
    private let branchNumbers: [String: (business: UUID, branch: Branch)]
    private let businessNumbers: [String: UUID]
    public let loadedAt: Date
    /// WhatsApp numbers (phone number ids) this snapshot routes, a business's or a branch's.
    public var numbers: Int { Set(branchNumbers.keys).union(businessNumbers.keys).count }

    public static let empty = CatalogSnapshot(businesses: [:], branchNumbers: [:], businessNumbers: [:])

    init(
        businesses: [UUID: Business],
        branchNumbers: [String: (business: UUID, branch: Branch)],
        businessNumbers: [String: UUID]
    ) {
        self.businesses = businesses
        self.branchNumbers = branchNumbers
        self.businessNumbers = businessNumbers
        self.loadedAt = Date()
    }

    public func route(phoneNumberID: String?) -> Route {
        guard let phoneNumberID else { return .unroutable }
        if let owner = branchNumbers[phoneNumberID], let business = businesses[owner.business] {
            return .branch(business, owner.branch)
        }
        if let id = businessNumbers[phoneNumberID], let business = businesses[id] {
            if business.branches.count == 1, let only = business.branches.first { return .branch(business, only) }
            return .business(business)
        }
        return .unroutable
    }

    static let businessRows = PostgresStatement(
        "catalog.businesses",
        """
        SELECT id, slug, business_name, default_language::text AS language, whatsapp_phone_number_id
        FROM users WHERE user_type = 'business' AND deleted_at IS NULL AND is_active
        """
    )
    static let branchRows = PostgresStatement(
        "catalog.branches",
        """
        SELECT id, business_id, key::text AS key, branch_name, whatsapp_phone_number_id
        FROM branches WHERE deleted_at IS NULL AND is_active ORDER BY business_id, key
        """
    )

    /// Reads the live businesses and branches.
    public static func load(from pool: PostgresPool) async throws -> CatalogSnapshot {
        try await pool.withConnection { connection in
            var branches: [UUID: [Branch]] = [:]
            var branchNumbers: [String: (business: UUID, branch: Branch)] = [:]
            for row in try await connection.query(branchRows) {
                let business = try row.decode(UUID.self, "business_id")
                let branch = Branch(
                    id: try row.decode(UUID.self, "id"),
                    key: try row.decode(String.self, "key"),
                    name: try row.decode(String.self, "branch_name")
                )
                branches[business, default: []].append(branch)
                if let number = try row.decode(String?.self, "whatsapp_phone_number_id") {
                    branchNumbers[number] = (business, branch)
                }
            }
            var businesses: [UUID: Business] = [:]
            var businessNumbers: [String: UUID] = [:]
            for row in try await connection.query(businessRows) {
                let id = try row.decode(UUID.self, "id")
                businesses[id] = Business(
                    id: id,
                    slug: try row.decode(String.self, "slug"),
                    name: try row.decode(String.self, "business_name"),
                    defaultLanguage: try row.decode(String?.self, "language"),
                    branches: branches[id] ?? []
                )
                if let number = try row.decode(String?.self, "whatsapp_phone_number_id") {
                    businessNumbers[number] = id
                }
            }
            return CatalogSnapshot(
                businesses: businesses,
                branchNumbers: branchNumbers,
                businessNumbers: businessNumbers
            )
        }
    }
}

/// The current snapshot, swapped whole when the catalog changes; readers never wait on the database.
public final class CatalogCache: Sendable {
    private let current = Mutex<CatalogSnapshot?>(nil)
    public let pool: PostgresPool
    /// The channel `talab apply` notifies when it commits.
    public static let channel = NotifyChannel.catalog

    public init(pool: PostgresPool) { self.pool = pool }

    /// The latest snapshot; nil until the first load.
    public var snapshot: CatalogSnapshot? { current.withLock { $0 } }

    @discardableResult
    public func refresh() async throws -> CatalogSnapshot {
        let snapshot = try await CatalogSnapshot.load(from: pool)
        current.withLock { $0 = snapshot }
        TalabMetrics.catalogRefreshes.increment()
        TalabMetrics.catalogBusinesses.record(snapshot.businesses.count)
        TalabMetrics.catalogNumbers.record(snapshot.numbers)
        return snapshot
    }
}
