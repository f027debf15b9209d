import Foundation
import TalabConfig
import TalabTestSupport
import Testing

@Suite struct ConfigSourceTests {
    static let business = "name: Abu Salim\ntype: restaurant\ncurrency: USD\n"

    @Test func aCommitValidatesWhateverTheWorkingTreeSays() throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try repository.write("Tenants/abu-salim/business.yaml", ConfigSourceTests.business)
        try repository.commit("Add Abu Salim")
        try repository.write("Tenants/abu-salim/business.yaml", "name: Abu Salim\ntype: restaurant\ncurrency: EURO\n")
        let git = try GitRepository(discoveringFrom: repository.path)
        let committed = try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD"))
        #expect(committed.isValid)
        let edited = try TenantLoader().load(from: WorktreeSource(root: repository.folder))
        #expect(
            edited.errors.map(\.description) == [
                "Tenants/abu-salim/business.yaml:3:11: error: currency 'EURO' is not an ISO 4217 code such as USD or LBP"
            ]
        )
    }

    @Test func anOlderCommitIsReadAsItWas() throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try repository.write("Tenants/abu-salim/business.yaml", "name: Abu Salim\ntype: cafe\ncurrency: USD\n")
        try repository.commit("A broken start")
        try repository.write("Tenants/abu-salim/business.yaml", ConfigSourceTests.business)
        try repository.commit("Fixed")
        let git = try GitRepository(discoveringFrom: repository.path)
        #expect(try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD")).isValid)
        let before = try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD~1"))
        #expect(
            before.errors.map(\.description) == [
                "Tenants/abu-salim/business.yaml:2:7: error: type must be one of restaurant, sports_court, salon, other, got 'cafe'"
            ]
        )
    }

    @Test func noTenantsIsAOneLineError() throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try repository.write("README.md", "nothing yet\n")
        let sha = try repository.commit("Empty")
        let git = try GitRepository(discoveringFrom: repository.path)
        let error = #expect(throws: TenantSourceError.self) {
            try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD"))
        }
        #expect(error?.description == "no tenants under Tenants/ in commit \(sha.prefix(12)) (HEAD)")
        #expect(error?.code == .noTenants)
        try repository.write("Tenants/abu-salim/business.yaml", ConfigSourceTests.business)
        try repository.commit("Add one")
        let unknown = #expect(throws: TenantSourceError.self) {
            try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD"), only: ["padel"])
        }
        #expect(unknown?.description.hasPrefix("no tenant 'padel' under Tenants/") == true)
        #expect(unknown?.code == .unknownTenant)
    }

    @Test func theExampleTenantsAreValidAndComplete() throws {
        let root = ExampleCatalog.projectFolder
        let validation = try TenantLoader().load(from: WorktreeSource(root: root))
        #expect(validation.diagnostics.isEmpty, "\(validation.diagnostics)")
        let tenants = Dictionary(uniqueKeysWithValues: validation.tenants.map { ($0.slug, $0) })
        let restaurant = try #require(tenants["abu-salim-grill"])
        #expect(restaurant.branches.count == 2)
        #expect(restaurant.itemCount >= 25)
        #expect(restaurant.branches.contains { $0.whatsapp != nil })
        #expect(!restaurant.business.dateOverrides.isEmpty)
        #expect(restaurant.branches.contains { !$0.deliveryFeeRules.isEmpty })
        let items = restaurant.menus.flatMap(\.items)
        #expect(items.filter { !$0.options.isEmpty }.count >= 5)
        #expect(items.allSatisfy { $0.translations[.arabic] != nil && !$0.aliases.isEmpty })
        let courts = try #require(validation.tenants.first { $0.business.type == .sportsCourt })
        #expect(Set(courts.menus.flatMap(\.items).compactMap(\.durationMinutes)) == [60, 90])
        let salon = try #require(validation.tenants.first { $0.business.type == .salon })
        #expect(salon.menus.flatMap(\.items).allSatisfy { $0.durationMinutes != nil && $0.capacity != nil })
    }

    /// A link could make apply store any file of the machine as a picture, or hide a menu from a
    /// person editing: refused where it is, at a commit and in the working tree alike.
    @Test func symbolicLinksAreRefusedAtACommitAndInTheWorkingTree() throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try repository.write("Tenants/abu-salim/business.yaml", ConfigSourceTests.business)
        try repository.write("Tenants/abu-salim/menus/real.yaml", "name: Main\nitems: []\n")
        let images = repository.folder.appendingPathComponent("Tenants/abu-salim/images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: images.appendingPathComponent("logo.png").path,
            withDestinationPath: "/etc/passwd"
        )
        try FileManager.default.createSymbolicLink(
            atPath: repository.folder.appendingPathComponent("Tenants/abu-salim/menus/main.yaml").path,
            withDestinationPath: "real.yaml"
        )
        try repository.commit("Links")
        let expected = [
            "Tenants/abu-salim/images/logo.png:1:1: error: a symbolic link (to /etc/passwd) is not allowed in a tenant folder: commit the file itself",
            "Tenants/abu-salim/menus/main.yaml:1:1: error: a symbolic link (to real.yaml) is not allowed in a tenant folder: commit the file itself",
        ]
        let git = try GitRepository(discoveringFrom: repository.path)
        let committed = try TenantLoader().load(from: GitCommitSource(repository: git, revision: "HEAD"))
        #expect(committed.errors.map(\.description).filter { $0.contains("symbolic") } == expected)
        #expect(!committed.isValid)
        let worktree = try TenantLoader().load(from: WorktreeSource(root: repository.folder))
        #expect(worktree.errors.map(\.description).filter { $0.contains("symbolic") } == expected)
        #expect(!worktree.isValid)
    }
}
