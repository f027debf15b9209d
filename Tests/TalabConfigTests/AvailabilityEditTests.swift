import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// "86" an item by editing its menu file the way a person would: one line changed or added, every
/// comment and every other item left as it was, and the result still a valid tenant.
@Suite struct AvailabilityEditTests {
    static let menu = """
        name: Main
        items:
          - key: falafel
            name: Falafel   # the best in Hamra
            price: 2.50
            options:
              - key: size
                name: Size
                availability: available
                choices:
                  - { key: small, name: Small, price: 0 }
          - key: knefeh
            name: Knefeh
            availability: out_of_stock # since the oven broke
            price: 4.50
          - { key: water, name: Water, price: 0.75 }

        """

    func location(_ line: Int, _ column: Int) -> TalabCore.SourceLocation {
        TalabCore.SourceLocation(file: "menus/main.yaml", line: line, column: column)
    }

    @Test func anItemWithoutAvailabilityGetsOneLineAndNothingElseMoves() throws {
        let edited = try AvailabilityEdit.apply(.outOfStock, at: location(3, 5), in: AvailabilityEditTests.menu)
        let before = AvailabilityEditTests.menu.split(separator: "\n", omittingEmptySubsequences: false)
        let after = edited.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(after.count == before.count + 1)
        #expect(after[3] == "    availability: out_of_stock")
        #expect(Array(after[0..<3]) == Array(before[0..<3]) && Array(after[4...]) == Array(before[3...]))
        // The option group's own availability is not the item's.
        #expect(after[9] == "        availability: available")
    }

    @Test func anItemThatHasOneIsChangedInPlaceAndTheSameValueChangesNothing() throws {
        let edited = try AvailabilityEdit.apply(.available, at: location(12, 5), in: AvailabilityEditTests.menu)
        #expect(edited.contains("    availability: available\n    price: 4.50"))
        #expect(!edited.contains("out_of_stock"))
        let same = try AvailabilityEdit.apply(.outOfStock, at: location(12, 5), in: AvailabilityEditTests.menu)
        #expect(same == AvailabilityEditTests.menu)
    }

    @Test func anItemOnOneLineIsLeftToAPullRequest() {
        #expect(throws: AvailabilityEdit.Refusal.self) {
            try AvailabilityEdit.apply(.hidden, at: location(16, 5), in: AvailabilityEditTests.menu)
        }
    }

    @Test func theExampleMenuStaysValidAfterEveryItemIsMarkedOutOfStock() throws {
        let source = WorktreeSource(root: ExampleCatalog.projectFolder)
        let loaded = try TenantLoader().load(from: source, only: ["abu-salim-grill"])
        let tenant = try #require(loaded.tenants.first)
        var texts: [String: String] = [:]
        for file in try source.files(under: "Tenants/abu-salim-grill/menus") {
            texts[file.path] = String(decoding: file.bytes, as: UTF8.self)
        }
        // Last lines first, so earlier locations stay true.
        let items = tenant.menus.flatMap(\.items).compactMap { item in
            tenant.sources[.item(item.key)].map { (item.key, $0) }
        }.sorted { ($0.1.file, $0.1.line) > ($1.1.file, $1.1.line) }
        var edited = 0
        for (_, place) in items {
            guard let text = texts[place.file] else { continue }
            guard let changed = try? AvailabilityEdit.apply(.outOfStock, at: place, in: text) else { continue }
            texts[place.file] = changed
            edited += 1
        }
        #expect(edited >= 10)
        let reread = try TenantLoader().load(
            from: EditedSource(base: source, edits: texts.mapValues { Array($0.utf8) }),
            only: ["abu-salim-grill"]
        )
        #expect(reread.diagnostics.filter { $0.severity == .error }.isEmpty, "\(reread.diagnostics)")
        let items2 = try #require(reread.tenants.first).menus.flatMap(\.items)
        #expect(items2.filter { $0.availability == .outOfStock }.count >= edited)
    }
}
