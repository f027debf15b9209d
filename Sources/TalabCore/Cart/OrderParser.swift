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
    /// items, for an edit), is that one.
    public func parse(_ text: String, prefer: Set<String> = []) -> Result {
        var result = Result()
        let text = spreadingNegation(compoundsSplit(text))
        let reading = itemMatcher.read(text)
        let words = reading.words
        var mentions = reading.mentions
        for position in mentions.indices where mentions[position].key == nil {
            let preferred = mentions[position].candidates.filter(prefer.contains)
            if preferred.count == 1 { mentions[position] = mentions[position].settled(preferred[0]) }
        }
        var options: [String: [ItemMatcher.Mention]] = [:]
        func optionsOf(_ mention: ItemMatcher.Mention) -> [ItemMatcher.Mention] {
            guard let key = mention.key else { return [] }
            return choicesNamed(key)
        }
        // Every choice of an item the text names, read once per item.
        func choicesNamed(_ key: String) -> [ItemMatcher.Mention] {
            if let known = options[key] { return known }
            let found = (optionMatchers[key]?.read(text).mentions ?? []).filter { $0.key != nil }
            options[key] = found
            return found
        }
        func covers(_ options: [ItemMatcher.Mention], _ mention: ItemMatcher.Mention) -> Bool {
            options.contains { $0.start <= mention.start && $0.end >= mention.end }
        }
        // A name that fits several items is the one whose choices the words around it name
        // (`قهوة وسط`: only the Turkish coffee has a medium sugar).
        for position in mentions.indices where mentions[position].key == nil {
            let mention = mentions[position]
            let from = position > 0 ? mentions[position - 1].end : 0
            let to = position + 1 < mentions.count ? mentions[position + 1].start : words.count
            var best: (key: String, count: Int)?
            var tie = false
            for candidate in mention.candidates {
                let named = choicesNamed(candidate).filter {
                    $0.key != nil && $0.start >= from && $0.end <= to
                        && ($0.end <= mention.start || $0.start >= mention.end)
                }.count
                guard named > 0 else { continue }
                if named > best?.count ?? 0 {
                    best = (candidate, named)
                    tie = false
                } else if named == best?.count {
                    tie = true
                }
            }
            if let best, !tie { mentions[position] = mention.settled(best.key) }
        }
        // Two names side by side, nothing between them: one is the other's option (`zaatar
        // croissants`, `taouk jebne`), or the second names the first again (`strawberry shakes`).
        var index = 0
        while index + 1 < mentions.count {
            let (first, second) = (mentions[index], mentions[index + 1])
            let gap = words[first.end..<second.start]
            // "à" is no number: only digits and numbers spelled out part two names.
            guard !gap.contains(where: { OrderParser.connectors.contains($0) || OrderParser.isNumber($0) }) else {
                index += 1
                continue
            }
            if covers(optionsOf(first), second) {
                mentions.remove(at: index + 1)
            } else if covers(optionsOf(second), first) {
                mentions.remove(at: index)
            } else if second.key == nil || second.partial, let key = first.key, second.candidates.contains(key) {
                mentions[index] = first.spanning(first.start, second.end)
                mentions[index].dual = first.dual || second.dual
                mentions.remove(at: index + 1)
            } else if first.key == nil || first.partial, let key = second.key, first.candidates.contains(key) {
                mentions[index] = second.spanning(first.start, second.end)
                mentions[index].dual = first.dual || second.dual
                mentions.remove(at: index + 1)
            } else {
                index += 1
            }
        }
        // A name that is a choice of the item named before it is that choice, even past an "and"
        // (`taouk ma3 jebne w toum zyede`, `un houmous à la viande`).
        // When the name before fits several items, a word of a longer name inside a choice of one
        // of them (`pizza with extra cheese`: not the Four Cheese) is that choice, and tells which.
        index = 1
        while index < mentions.count {
            let previous = mentions[index - 1]
            let keys = previous.key.map { [$0] } ?? (mentions[index].partial ? previous.candidates : [])
            let covering = keys.filter { key in
                covers(choicesNamed(key).filter { $0.start >= previous.end }, mentions[index])
            }
            guard !covering.isEmpty else {
                index += 1
                continue
            }
            if previous.key == nil, covering.count == 1 { mentions[index - 1] = previous.settled(covering[0]) }
            mentions.remove(at: index)
        }
        // "2 zaatar manakish and a cheese one": a name that fits several items is read with the
        // words of the item named before it (its head noun) when that settles it.
        for position in mentions.indices.dropFirst() where mentions[position].key == nil {
            let previous = mentions[position - 1]
            let own = Array(reading.known[mentions[position].start..<mentions[position].end])
            let heads = reading.known[previous.start..<previous.end]
            // The same head again (`chicken shawarma w 2 shawarma`) is asked about, not guessed.
            guard !own.contains(where: heads.contains) else { continue }
            for head in heads {
                if let key = itemMatcher.item(named: own + [head]) ?? itemMatcher.item(named: [head] + own) {
                    mentions[position] = mentions[position].settled(key)
                    break
                }
            }
        }
        // "a burger" where the menu has a Classic Burger and a Crispy Chicken Burger: the one
        // whose name is the word with only a plain modifier (classic, original, عادي) is meant.
        for position in mentions.indices where mentions[position].key == nil {
            let words = Set(reading.known[mentions[position].start..<mentions[position].end])
            let plain = mentions[position].candidates.filter { key in
                guard let item = items[key] else { return false }
                return ([item.name] + item.translations.values).contains { name in
                    let nameWords = TextNormalizer.words(TextNormalizer.normalize(name)).map {
                        ItemMatcher.singular(String($0))
                    }
                    return words.isSubset(of: nameWords)
                        && nameWords.allSatisfy { words.contains($0) || OrderParser.plainModifiers.contains($0) }
                }
            }
            if plain.count == 1 { mentions[position] = mentions[position].settled(plain[0]) }
        }
        for mention in mentions {
            if mention.partial, mention.length == 1 {
                result.partialWords.append(mention.phrase)
            } else {
                result.namesWholeItem = true
            }
        }
        // Each mention's segment: from the end of the previous one's (after the last connector
        // between them, or at a number starting the next) to the start of the next one's.
        var bounds: [(Int, Int)] = []
        var start = 0
        for (position, mention) in mentions.enumerated() {
            var end = words.count
            if position + 1 < mentions.count {
                let next = mentions[position + 1]
                end = next.start
                if let connector = (mention.end..<next.start).last(where: { OrderParser.connectors.contains(words[$0]) }
                ) {
                    end = connector
                } else if let number = (mention.end..<next.start).first(where: {
                    Int(words[$0]) != nil || NumberWords.spelled[words[$0]] != nil
                }) {
                    end = number
                }
            }
            bounds.append((start, end))
            start = end < words.count && OrderParser.connectors.contains(words[end]) ? end + 1 : end
        }
        var covered = Set(mentions.flatMap { $0.start..<$0.end })
        for (position, mention) in mentions.enumerated() {
            if mention.key != nil {
                let (from, to) = bounds[position]
                for option in optionsOf(mention) where option.start >= from && option.end <= to {
                    covered.formUnion(option.start..<option.end)
                }
            }
            guard let key = mention.key, let item = items[key] else {
                result.ambiguous.append(
                    (mention.phrase, mention.candidates, quantity(mention, bounds[position], words, []).value)
                )
                continue
            }
            guard item.availability == .available else {
                result.unavailable.append(key)
                continue
            }
            // Options are the item's choices named in its segment, before or after its name.
            let (from, to) = bounds[position]
            let chosen = optionsOf(mention).filter {
                $0.start >= from && $0.end <= to && ($0.end <= mention.start || $0.start >= mention.end)
            }
            var picked: [Cart.Option] = []
            for group in item.options {
                let picks = group.choices.filter { choice in
                    chosen.contains { $0.key == "\(group.key)/\(choice.key)" }
                }
                if picks.count < group.minChoices { result.missingChoices.append((key, group.key)) }
                if let maximum = group.maxChoices, picks.count > maximum {
                    result.tooManyChoices.append((key, group.key))
                }
                picked += picks.map { Cart.Option(key: "\(group.key)/\($0.key)", name: $0.name, priceDelta: $0.price) }
            }
            let (count, stated) = quantity(mention, bounds[position], words, chosen)
            result.lines.append(
                Cart.Line(itemKey: key, name: item.name, unitPrice: item.price, quantity: count, options: picked)
            )
            result.stated.append(stated)
        }
        if !mentions.isEmpty { result.unmatched = unmatched(words, reading.known, covered: covered) }
        return result
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
