import Foundation
import TalabBench
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

    /// A line's items with their options sorted: `2 chicken-shawarma +remove/no-toum +size/large`.
    static func sorted(_ text: String) -> [String] { lines(parser, text).sorted() }

    /// The lines `parser` reads in `text`, in order, options sorted: `2 chicken-shawarma +remove/no-toum +size/large`.
    static func lines(_ parser: OrderParser, _ text: String) -> [String] {
        parser.parse(text).lines.map { line in
            (["\(line.quantity) \(line.itemKey)"] + line.options.map(\.key).sorted()).joined(separator: " +")
        }
    }

    /// The kinds of line issue #18 lists, on the example restaurant (its examples, expectations
    /// written before the run): the quantity elsewhere than before the name, forms the menu does
    /// not list, options before the name, shared negation, elided head nouns.
    @Test(arguments: [
        ("falafel 3", ["3 falafel-sandwich"]),
        ("كبة ٤", ["4 kibbeh"]),
        ("3x falafel", ["3 falafel-sandwich"]),
        ("shawarma djej kbir bala toum x2", ["2 chicken-shawarma +remove/no-toum +size/large"]),
        ("2 large chicken shawarmas", ["2 chicken-shawarma +size/large"]),
        ("كبتين", ["2 kibbeh"]),
        ("٣ سندويشات فلافل", ["3 falafel-sandwich"]),
        ("2 kibbehs", ["2 kibbeh"]),
        ("meat shawarma no onions no tarator", ["1 meat-shawarma +remove/no-onion +remove/no-tarator"]),
        ("meat shawarma without onions or tarator", ["1 meat-shawarma +remove/no-onion +remove/no-tarator"]),
        ("shawarma viande sans oignons ni tarator", ["1 meat-shawarma +remove/no-onion +remove/no-tarator"]),
        ("chicken shawarma bala toum w kabis", ["1 chicken-shawarma +remove/no-pickles +remove/no-toum"]),
        ("شاورما دجاج بلا توم ولا كبيس", ["1 chicken-shawarma +remove/no-pickles +remove/no-toum"]),
        ("2 shawarma djej w 1 lahme", ["1 meat-shawarma", "2 chicken-shawarma"]),
        ("deux shawarmas poulet et une viande", ["1 meat-shawarma", "2 chicken-shawarma"]),
        ("fi kebbe? baddi 3", ["3 kibbeh"]),
        ("do you have moutabal? 2 please", ["2 moutabal"]),
    ])
    func linesAsCustomersWriteThemNotAsMenusList(text: String, expected: [String]) {
        #expect(OrderParserTests.sorted(text) == expected.sorted(), "\(text)")
    }

    /// Never a confident wrong cart: one choice of a group of one, words read once.
    @Test func aGroupOfOneChoiceIsNeverGivenTwo() {
        let result = OrderParserTests.parser.parse("chicken shawarma large regular")
        #expect(result.tooManyChoices.map(\.group) == ["size"])
    }

    /// A word of the languages themselves is never read as a typo of a choice: `ktir` ("very") is
    /// not `kbir` (large).
    @Test func aCommonWordIsNotATypoOfAChoice() {
        #expect(OrderParserTests.sorted("ana ktir jou3an, shawarma djej please") == ["1 chicken-shawarma"])
    }

    /// Words beside an order that name nothing on the menu are kept for the business's analytics.
    @Test(arguments: [
        ("2 falafel w pizza please", ["pizza"]),
        ("baddi 2 shawarma djej kbir bala toum w sushi", ["sushi"]),
        ("2 chicken shawarma large bala toum", []),
        ("I'd like 3 hummus and a fattoush for delivery", []),
        ("je voudrais deux houmous et une raclette", ["raclette"]),
        ("بدي ٢ فلافل و بيتزا", ["بيتزا"]),
    ])
    func wordsThatNameNothingOnTheMenuAreKept(text: String, expected: [String]) {
        #expect(OrderParserTests.parser.parse(text).unmatched == expected, "\(text)")
    }

    /// The grill of the unseen set (`Fixtures/unseen`): portions are choices, and names of three
    /// words are ordered by two of them.
    static let grill = unseen("mashawi-abou-fadi")
    static let pizzeria = unseen("pizza-nostra")
    static let cafe = unseen("cafe-najma")

    /// Two words each fitting several items name the one both fit; a kind's word from the lexicon
    /// before an item's name (`قهوة`, coffee) is no second item (the coffee shop's first run put a
    /// latte beside the espresso).
    @Test(arguments: [
        ("croissant zebde w croissant chocolat", ["1 butter-croissant", "1 chocolate-croissant"]),
        ("3 croissant chocolat", ["3 chocolate-croissant"]),
        ("قهوة إسبريسو دبل", ["1 espresso +shots/double"]),
    ])
    func wordsThatTogetherNameOneItem(text: String, expected: [String]) {
        let lines = OrderParserTests.lines(OrderParserTests.cafe, text)
        #expect(lines == expected, "\(text)")
    }

    static func unseen(_ slug: String) -> OrderParser {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/unseen/conversations")
        let tenant = try! ConversationCorpus.tenants(beside: folder).first { $0.slug == slug }!
        return OrderParser(menus: tenant.menus)
    }

    /// A word of one item's name inside a choice of another the customer named (`pizza with extra
    /// cheese` where a Four Cheese is on the menu) is that choice, never a second item; it settles
    /// which of the items the first name fits.
    @Test func aChoiceIsNotReadAsAnotherItem() {
        let result = OrderParserTests.pizzeria.parse("large pizza with extra cheese and olives")
        #expect(result.lines.map(\.itemKey) == ["vegetarian"])
        #expect(
            result.lines.first?.options.map(\.key).sorted() == ["extras/extra-cheese", "extras/olives", "size/large"]
        )
        #expect(result.ambiguous.isEmpty)
        // Named before the pizza, the Four Cheese is still an item.
        #expect(OrderParserTests.pizzeria.parse("four cheese large and a margherita small").lines.count == 2)
    }

    @Test(arguments: [
        // A dual of a choice is two of the item: two plates, two sandwiches.
        ("صحنين شيش طاووق", ["2 shish-taouk +portion/plate"]),
        ("سندويشين طاووق", ["2 shish-taouk +portion/sandwich"]),
        ("طاووق سندويشين بلا كبيس", ["2 shish-taouk +portion/sandwich +remove/no-pickles"]),
        // Two words of a longer name that only one item has.
        ("نص فروج", ["1 half-chicken"]),
        ("2 farrouj kamel", ["2 whole-chicken"]),
    ])
    func dualsOfChoicesAndPartsOfLongerNames(text: String, expected: [String]) {
        let lines = OrderParserTests.lines(OrderParserTests.grill, text)
        #expect(lines == expected, "\(text)")
    }

    /// Two words of a longer name that several items share are asked about; small words alone
    /// (`à la` of `Citronnade à la menthe`) name nothing.
    @Test func partsOfNamesThatFitSeveralItemsOrNoneAreNotGuessed() {
        #expect(OrderParserTests.grill.parse("فروج مشوي").ambiguous.map(\.keys) == [["half-chicken", "whole-chicken"]])
        let matcher = ItemMatcher(entries: [
            .init(key: "lemonade", names: ["Citronnade à la menthe"]),
            .init(key: "shake", names: ["Milkshake fraise"]),
        ])
        let candidates = matcher.mentions(in: "trois milkshakes à la fraise").map(\.candidates)
        #expect(!candidates.isEmpty && candidates.allSatisfy { $0 == ["shake"] }, "\(candidates)")
    }

    /// A message longer than any order a person writes (a hostile 4,096 characters) is read as far
    /// as the matcher's limit: what follows is not read, and the cost stays that of a long order.
    @Test func aMessageLongerThanAnyOrderIsReadAsFarAsTheLimit() {
        let filler = Array(repeating: "yalla", count: ItemMatcher.wordLimit).joined(separator: " ")
        #expect(OrderParserTests.sorted("2 falafel " + filler + " 3 hummus") == ["2 falafel-sandwich"])
    }
}
