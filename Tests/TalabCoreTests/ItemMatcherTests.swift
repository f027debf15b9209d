import Foundation
import TalabConfig
import TalabCore
import Testing

/// The matcher over the example restaurant's real menu, read from `Tenants/` through the YAML layer.
@Suite struct ItemMatcherTests {
    static let matcher: ItemMatcher = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let validation = try! TenantLoader().load(from: WorktreeSource(root: root), only: ["abu-salim-grill"])
        let tenant = validation.tenants[0]
        let entries = tenant.menus.flatMap(\.items).map { item in
            ItemMatcher.Entry(key: item.key, names: [item.name] + item.translations.values + item.aliases)
        }
        return ItemMatcher(entries: entries)
    }()

    static func cart(_ text: String) -> [String] {
        matcher.mentions(in: text).map { mention in
            "\(mention.quantity) \(mention.key ?? mention.candidates.joined(separator: "|"))"
        }
    }

    @Test(arguments: [
        ("baddi 2 shawarma djej bala toum w 1 fattoush", ["2 chicken-shawarma", "1 fattoush"]),
        ("I want 2 chicken shawarmas and a fattoush", ["2 chicken-shawarma", "1 fattoush"]),
        ("je voudrais deux shawarma poulet", ["2 chicken-shawarma"]),
        ("بدي ٢ شاورما دجاج", ["2 chicken-shawarma"]),
        ("3x taouk", ["3 shish-taouk"]),
        ("tnein falafel w hommos", ["2 falafel-sandwich", "1 hummus"]),
        ("one mixed grill", ["1 mixed-grill"]),
        ("a tabouleh please", ["1 tabbouleh"]),
        ("fattouch w tabboule", ["1 fattoush", "1 tabbouleh"]),
        // Typos in longer names.
        ("2 chiken shawarma", ["2 chicken-shawarma"]),
        ("fatoush", ["1 fattoush"]),
        // Ambiguous: asked, not guessed.
        ("2 shawarma", ["2 chicken-shawarma|meat-shawarma"]),
    ])
    func itemsAndQuantitiesAreFound(text: String, expected: [String]) {
        #expect(ItemMatcherTests.cart(text) == expected)
    }

    @Test func wordsThatNameNothingAreNotItems() {
        #expect(ItemMatcherTests.cart("kifak, emta btsakro?").isEmpty)
        #expect(ItemMatcherTests.cart("delivery to hamra please").isEmpty)
    }
}
