import Foundation
import TalabConfig
import TalabCore
import Testing

/// Messages read against the example restaurant's real menu (`Tenants/abu-salim-grill`).
@Suite struct OrderParserTests {
    static let tenant: TenantConfig = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try! TenantLoader().load(from: WorktreeSource(root: root), only: ["abu-salim-grill"]).tenants[0]
    }()
    static let parser = OrderParser(menus: tenant.menus)

    static func summary(_ text: String) -> [String] {
        parser.parse(text).lines.map { line in
            (["\(line.quantity) \(line.itemKey)"] + line.options.map(\.key)).joined(separator: " +")
        }
    }

    @Test(arguments: [
        ("baddi 2 shawarma djej bala toum w 1 fattoush", ["2 chicken-shawarma +toppings/no-toum", "1 fattoush"]),
        ("je voudrais deux shawarma viande sans oignons", ["2 meat-shawarma +toppings/no-onion"]),
        // Options in the catalog's order.
        ("1 taouk with cheese and toum zyede", ["1 shish-taouk +extras/extra-toum +extras/cheese"]),
        ("chicken shawarma large bala kabis", ["1 chicken-shawarma +size/large +toppings/no-pickles"]),
    ])
    func itemsCarryTheOptionsNamedAfterThem(text: String, expected: [String]) {
        let lines = OrderParserTests.summary(text)
        // Group keys come from the YAML; compare by choice key to stay independent of them.
        #expect(lines.map(OrderParserTests.choicesOnly) == expected.map(OrderParserTests.choicesOnly), "\(lines)")
    }

    static func choicesOnly(_ line: String) -> String {
        line.split(separator: " +").enumerated().map { index, part in
            index == 0 ? String(part) : String(part.split(separator: "/").last ?? part)
        }.joined(separator: " +")
    }

    @Test func pricesComeFromTheCatalogAndAmbiguityIsReturned() throws {
        let result = OrderParserTests.parser.parse("2 large chicken shawarma w 2 shawarma")
        let line = try #require(result.lines.first)
        #expect(line.itemKey == "chicken-shawarma")
        let item = try #require(OrderParserTests.tenant.menus.flatMap(\.items).first { $0.key == "chicken-shawarma" })
        #expect(line.unitPrice == item.price)
        #expect(result.ambiguous.map(\.keys) == [["chicken-shawarma", "meat-shawarma"]])
    }
}
