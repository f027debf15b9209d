import Foundation

/// Reads the items, quantities and options of a customer's message against a menu, grounded:
/// everything it returns comes from the catalog, priced from it. What it cannot settle alone it
/// returns for the conversation to ask: a phrase that fits several items, an item that is out of
/// stock or hidden, an option group whose rules the choices break.
public struct OrderParser: Sendable {
    public struct Result: Sendable {
        public var lines: [Cart.Line] = []
        /// A phrase that fits several items, with their keys and the quantity asked: ask which.
        public var ambiguous: [(phrase: String, keys: [String], quantity: Int)] = []
        /// Items named that cannot be ordered now (out of stock or hidden), by key.
        public var unavailable: [String] = []
        /// A required option group that no choice fills, or one with too many choices: item, group.
        public var missingChoices: [(item: String, group: String)] = []
        public var tooManyChoices: [(item: String, group: String)] = []

        /// Whether the message named catalog items at all (available, ambiguous or not).
        public var namesItems: Bool { !lines.isEmpty || !ambiguous.isEmpty || !unavailable.isEmpty }
    }

    private let items: [String: ItemConfig]
    private let itemMatcher: ItemMatcher
    private let optionMatchers: [String: ItemMatcher]

    public init(menus: [MenuConfig]) {
        var items: [String: ItemConfig] = [:]
        for item in menus.flatMap(\.items) { items[item.key] = item }
        self.items = items
        itemMatcher = ItemMatcher(
            entries: items.values.map { item in
                ItemMatcher.Entry(key: item.key, names: [item.name] + item.translations.values + item.aliases)
            }
        )
        var optionMatchers: [String: ItemMatcher] = [:]
        for item in items.values where !item.options.isEmpty {
            let entries = item.options.flatMap { group in
                group.choices.map { choice in
                    ItemMatcher.Entry(
                        key: "\(group.key)/\(choice.key)",
                        names: [choice.name] + choice.translations.values + choice.aliases
                    )
                }
            }
            optionMatchers[item.key] = ItemMatcher(entries: entries, skipsWithout: false)
        }
        self.optionMatchers = optionMatchers
    }

    public func parse(_ text: String) -> Result {
        var result = Result()
        // A word that is an option of the item before it (`cheese`, `toum zyede`) is not an item,
        // even when the menu also sells it on its own.
        var mentions: [ItemMatcher.Mention] = []
        var optionsOfLast: [ItemMatcher.Mention] = []
        for mention in itemMatcher.mentions(in: text) {
            let covered = optionsOfLast.contains { option in
                mention.start >= option.start
                    && mention.start < option.start + option.phrase.split(separator: " ").count
            }
            if covered { continue }
            mentions.append(mention)
            optionsOfLast =
                mention.key.flatMap { optionMatchers[$0] }?.mentions(in: text).filter {
                    $0.start > mention.start && $0.key != nil
                } ?? []
        }
        for (position, mention) in mentions.enumerated() {
            guard let key = mention.key, let item = items[key] else {
                result.ambiguous.append((mention.phrase, mention.candidates, mention.quantity))
                continue
            }
            guard item.availability == .available else {
                result.unavailable.append(key)
                continue
            }
            // Options belong to the item named before them: the words up to the next item.
            let end = position + 1 < mentions.count ? mentions[position + 1].start : Int.max
            let chosen = (optionMatchers[key]?.mentions(in: text) ?? []).filter {
                $0.start > mention.start && $0.start < end && $0.key != nil
            }
            var options: [Cart.Option] = []
            for group in item.options {
                let picks = group.choices.filter { choice in
                    chosen.contains { $0.key == "\(group.key)/\(choice.key)" }
                }
                if picks.count < group.minChoices { result.missingChoices.append((key, group.key)) }
                if let maximum = group.maxChoices, picks.count > maximum {
                    result.tooManyChoices.append((key, group.key))
                }
                options += picks.map { Cart.Option(key: "\(group.key)/\($0.key)", name: $0.name, priceDelta: $0.price) }
            }
            result.lines.append(
                Cart.Line(
                    itemKey: key,
                    name: item.name,
                    unitPrice: item.price,
                    quantity: mention.quantity,
                    options: options
                )
            )
        }
        return result
    }
}
