import Foundation
import TalabConfig
import TalabCore
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// The runtime reads back from PostgreSQL what the reconciler wrote from YAML.
@Suite struct TenantCatalogLoaderTests {
    /// What the conversation uses of a tenant, as comparable lines.
    static func projection(_ tenant: TenantConfig) -> [String] {
        var lines = [
            "business \(tenant.business.name) \(tenant.business.currency) \(tenant.business.timezone) "
                + "\(tenant.business.defaultLanguage?.rawValue ?? "-") \(tenant.business.settings)"
        ]
        lines += DayOfWeek.allCases.map { "hours \($0) \(String(describing: tenant.business.openingHours[$0]))" }
        lines += (tenant.business.policies + tenant.branches.flatMap(\.policies)).map {
            "policy \($0.key) \($0.type) \(String(describing: $0.title)) \($0.description)"
        }.sorted()
        lines += tenant.business.dateOverrides.sorted { $0.date < $1.date }.map { "override \($0.date) \($0.hours)" }
        for branch in tenant.branches.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "branch \(branch.key) \(branch.name) \(String(describing: branch.minOrderValue)) "
                    + "\(String(describing: branch.serviceRadiusKm)) \(branch.deliveryFeeRules) "
                    + "\(String(describing: branch.location?.latitude)) \(String(describing: branch.location?.longitude))"
            )
            lines += DayOfWeek.allCases.compactMap { day in
                branch.openingHours[day].map { "branch \(branch.key) hours \(day) \($0)" }
            }
        }
        for item in tenant.menus.flatMap(\.items).sorted(by: { $0.key < $1.key }) {
            lines.append(
                "item \(item.key) \(item.name) \(item.price) \(item.availability) \(item.aliases) "
                    + "\(item.translations.sorted { $0.key.rawValue < $1.key.rawValue }) "
                    + "\(String(describing: item.durationMinutes)) \(String(describing: item.capacity))"
            )
            for group in item.options {
                lines.append(
                    "  group \(group.key) \(group.name) \(group.minChoices) \(String(describing: group.maxChoices))"
                )
                lines += group.choices.map { "    choice \($0.key) \($0.name) \($0.price) \($0.aliases)" }
            }
        }
        return lines
    }

    @Test(arguments: ["abu-salim-grill", "padel-beirut", "salon-rima"])
    func theDatabaseGivesBackTheConfiguration(slug: String) async throws {
        let catalog = try await CatalogDatabase.make()
        defer { catalog.pool.close() }
        let yaml = try TenantLoader().load(from: WorktreeSource(root: ExampleCatalog.projectFolder), only: [slug])
            .tenants[0]
        let loaded = try await catalog.pool.withConnection { connection in
            try await TenantCatalogLoader.load(business: DesiredState.businessID(slug), on: connection)
        }
        let database = try #require(loaded)
        // Positions come from files; the database has none, and none are invented.
        #expect(database.sources.isEmpty && !yaml.sources.isEmpty)
        let expected = TenantCatalogLoaderTests.projection(yaml)
        let actual = TenantCatalogLoaderTests.projection(database)
        #expect(actual == expected, "\(Set(actual).symmetricDifference(expected).sorted())")
        #expect(actual.filter { $0.hasPrefix("item ") }.count == yaml.itemCount)

        // A price changed in the database shows in what the runtime reads.
        try await catalog.pool.query(
            PostgresStatement(
                "test.price",
                "UPDATE items SET price = price + 1 WHERE business_id = $1",
                prepared: false
            ),
            [DesiredState.businessID(slug)]
        )
        let changed = try await catalog.pool.withConnection { connection in
            try await TenantCatalogLoader.load(business: DesiredState.businessID(slug), on: connection)
        }
        #expect(TenantCatalogLoaderTests.projection(try #require(changed)) != expected)
    }
}
