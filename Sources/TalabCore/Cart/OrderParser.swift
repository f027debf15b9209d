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

        /// For each line, whether the customer wrote its quantity (else it is one).
        public var stated: [Bool] = []
        /// The words that named items by being one word of their names (`drinks` for Soft Drink).
        public var partialWords: [String] = []
        /// Whether some item was named by more than one word of its name.
        public var namesWholeItem = false
        /// In a message that named items, the words beside them that name nothing the menu has
        /// (`2 shawarma w pizza`: `pizza`): what customers asked for and did not get.
        public var unmatched: [String] = []

        /// Whether the message named catalog items at all (available, ambiguous or not).
        public var namesItems: Bool { !lines.isEmpty || !ambiguous.isEmpty || !unavailable.isEmpty }
    }

    let items: [String: ItemConfig]
    let itemMatcher: ItemMatcher
    let optionMatchers: [String: ItemMatcher]

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
        optionWords = Set(
            items.values.flatMap(\.options).flatMap(\.choices)
                .flatMap { [$0.name] + $0.translations.values + $0.aliases + [$0.key] }
                .flatMap { TextNormalizer.words(TextNormalizer.normalize($0)).map { ItemMatcher.singular(String($0)) } }
        )
    }

    /// Every word of every choice's names: words of the menu, never "not on the menu".
    private let optionWords: Set<String>

    /// The choices of `itemKey` (`group/choice`) the text names, by any of their names.
    public func choices(of itemKey: String, in text: String) -> [String] {
        (optionMatchers[itemKey]?.mentions(in: spreadingNegation(text)) ?? []).compactMap(\.key)
    }

    /// Modifiers that mean "the usual one" (`Classic Burger` is the burger).
    static let plainModifiers: Set<String> = [
        "classic", "original", "regular", "plain", "normal", "traditional", "classique", "simple", "3adi", "عادي",
        "كلاسيك", "كلاسيكي", "asli", "اصلي",
    ]

    /// An unknown word made of two of the menu's words is the two (`cheeseburger`, `chickenburger`).
    func compoundsSplit(_ text: String) -> String {
        let words = TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init)
        let vocabulary = itemMatcher.knownWords.union(optionWords)
        guard words.contains(where: { $0.count >= 8 && !vocabulary.contains(ItemMatcher.singular($0)) }) else {
            return text
        }
        return words.map { word -> String in
            let characters = Array(ItemMatcher.singular(word))
            guard characters.count >= 8, !vocabulary.contains(String(characters)), characters.allSatisfy(\.isLetter)
            else {
                return word
            }
            for cut in 3...(characters.count - 3) {
                let head = String(characters[..<cut])
                let tail = String(characters[cut...])
                if vocabulary.contains(head), vocabulary.contains(tail) { return head + " " + tail }
            }
            return word
        }.joined(separator: " ")
    }

    /// Words that join one item to the next: a segment of the message ends there.
    static let connectors: Set<String> = [
        "and", "w", "و", "et", "wa", "plus", "aw", "او", "ou", "or", "ni", "nor", "ولا", "wla",
    ]

    /// A number written as digits or spelled out, not an article (`a`, `un`, and `à` once normalized).
    static func isNumber(_ word: String) -> Bool {
        NumberWords.quantity(word) != nil && !["a", "an", "un", "une"].contains(word)
    }

    /// Words of asking that may stand between a name and its number (`do you have X? 3 please`).
    static let asking: Set<String> = [
        "baddi", "badde", "bade", "bddi", "bdi", "بدي", "بدنا", "want", "take", "ill", "i", "ll", "prends", "prendre",
        "j", "en", "je", "veux", "voudrais", "please", "pls", "plz", "svp", "stp", "give", "me", "get", "jeble",
        "jible", "jebli", "جبلي", "عطيني", "3tine", "a3tine", "iza", "btrid", "law", "smaht", "من", "فضلك", "then",
    ]

    /// "without garlic or onions", "bala toum w kabis", "sans ail ni oignons": a "without" carries
    /// over the list it starts, so every choice of the list is a removal; it stops at a number, an
    /// item or a word that is not joined by a connector.
    func spreadingNegation(_ text: String) -> String {
        let reading = itemMatcher.read(text)
        let words = reading.words
        guard words.contains(where: ItemMatcher.without.contains) else { return text }
        let itemStarts = Set(reading.mentions.map(\.start))
        var result: [String] = []
        var negation: String?
        for (index, word) in words.enumerated() {
            if ItemMatcher.without.contains(word) {
                negation = word
            } else if let current = negation, index > 0, OrderParser.connectors.contains(words[index - 1]) {
                if itemStarts.contains(index) || NumberWords.quantity(word) != nil {
                    negation = nil
                } else if !OrderParser.connectors.contains(word) {
                    result.append(current)
                }
            } else if NumberWords.quantity(word) != nil || itemStarts.contains(index) {
                negation = nil
            }
            result.append(word)
        }
        return result.joined(separator: " ")
    }

    /// Reads `text`; a name that fits several items, one of which is in `prefer` (the cart's
    /// items, for an edit), is that one. The passes, in order, are `OrderParser.Message`'s.
    public func parse(_ text: String, prefer: Set<String> = []) -> Result {
        var message = Message(self, spreadingNegation(compoundsSplit(text)))
        message.settle(preferring: prefer)
        message.settleByChoicesAround()
        message.joinNamesSideBySide()
        message.dropChoicesReadAsItems()
        message.settleByHeadNoun()
        message.settleByPlainModifier()
        return message.result()
    }

    /// Runs of the words no mention, choice, number or small word accounts for.
    func unmatched(_ words: [String], _ known: [String], covered: Set<Int>) -> [String] {
        var runs: [String] = []
        var run: [String] = []
        for (index, word) in words.enumerated() {
            let accounted =
                covered.contains(index) || word.count < 3 || !word.contains(where: \.isLetter)
                || NumberWords.quantity(word) != nil || OrderParser.connectors.contains(word)
                || OrderParser.asking.contains(word) || ItemMatcher.isFunctionWord(word)
                || ItemMatcher.smallWords.contains(word) || MenuLexicon.shipped.containers.contains(word)
                || IntentClassifier.Phrases.vocabulary.contains(word) || itemMatcher.knownWords.contains(known[index])
                || optionWords.contains(known[index])
            if accounted {
                if !run.isEmpty { runs.append(run.joined(separator: " ")) }
                run = []
            } else {
                run.append(word)
            }
        }
        if !run.isEmpty { runs.append(run.joined(separator: " ")) }
        return runs
    }

    /// How many of an item its segment asks for: the number just before its name, else one before
    /// its options (`2 large juices`), else a multiplier after it (`x2`, `3x`), else a number after
    /// it (`كبة ٤`, `kishk 2`), else two for a dual (`منقوشتين`), else one. Numbers inside a
    /// choice's name (`3 scoops`) are the choice's.
    func quantity(
        _ mention: ItemMatcher.Mention,
        _ bounds: (Int, Int),
        _ words: [String],
        _ options: [ItemMatcher.Mention]
    ) -> (value: Int, stated: Bool) {
        let (from, to) = bounds
        func free(_ index: Int) -> Bool { !options.contains { $0.start <= index && index < $0.end } }
        if mention.quantityStated, free(mention.start - 1) || mention.start == 0 { return (mention.quantity, true) }
        for index in stride(from: mention.start - 1, through: from, by: -1) where free(index) {
            if let value = NumberWords.quantity(words[index]) { return (value, true) }
        }
        let after = Array(max(mention.end, from)..<max(to, mention.end)).filter(free)
        let tail = Array(max(mention.end, from)..<max(to, mention.end))
        for index in after {
            let word = words[index]
            if word == "x", index + 1 < words.count, let value = Int(words[index + 1]), (1...99).contains(value) {
                return (value, true)
            }
            if word.hasPrefix("x") || word.hasSuffix("x"), let value = NumberWords.quantity(word) {
                return (value, true)
            }
        }
        // A number after the name counts when only choices or words of asking stand between
        // (`كبة ٤`, `kishk manouche 2`, `fi kebbe? baddi 3`), not a time (`bokra 3al 4`).
        for index in after {
            let word = words[index]
            if Int(word) != nil || NumberWords.spelled[word] != nil {
                if let value = NumberWords.quantity(word), !["a", "an", "un", "une"].contains(word) {
                    return (value, true)
                }
            }
            if !OrderParser.asking.contains(word) { break }
        }
        // A dual of the name, or of a choice of it in its segment (`صحنين شيش طاووق`: two plates).
        let dualChoice = options.contains { $0.dual && $0.start >= from && $0.end <= max(to, mention.end) }
        return mention.dual || dualChoice ? (2, true) : (1, false)
    }
}
