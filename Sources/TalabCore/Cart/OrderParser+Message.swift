import Foundation

extension OrderParser {
    /// One message as the parser reads it: the items' mentions the matcher found, settled and
    /// joined pass by pass (`OrderParser.parse` runs them in order), then cut into segments, one
    /// per item, whose choices and quantity are that item's.
    struct Message {
        let parser: OrderParser
        let text: String
        let reading: ItemMatcher.Reading
        var mentions: [ItemMatcher.Mention]
        /// The choices of each item the text names, read once per item.
        private var choices: [String: [ItemMatcher.Mention]] = [:]

        init(_ parser: OrderParser, _ text: String) {
            self.parser = parser
            self.text = text
            reading = parser.itemMatcher.read(text)
            mentions = reading.mentions
        }

        var words: [String] { reading.words }

        /// Every choice of the item the text names.
        mutating func choicesNamed(_ key: String) -> [ItemMatcher.Mention] {
            if let known = choices[key] { return known }
            let found = (parser.optionMatchers[key]?.read(text).mentions ?? []).filter { $0.key != nil }
            choices[key] = found
            return found
        }

        /// The choices of the item a mention names, none while it fits several.
        mutating func choicesOf(_ mention: ItemMatcher.Mention) -> [ItemMatcher.Mention] {
            mention.key.map { choicesNamed($0) } ?? []
        }

        static func covers(_ options: [ItemMatcher.Mention], _ mention: ItemMatcher.Mention) -> Bool {
            options.contains { $0.start <= mention.start && $0.end >= mention.end }
        }

        /// A name that fits several items, one of them already in the cart, is that one.
        mutating func settle(preferring prefer: Set<String>) {
            for position in mentions.indices where mentions[position].key == nil {
                let preferred = mentions[position].candidates.filter(prefer.contains)
                if preferred.count == 1 { mentions[position] = mentions[position].settled(preferred[0]) }
            }
        }

        /// A name that fits several items is the one whose choices the words around it name
        /// (`قهوة وسط`: only the Turkish coffee has a medium sugar).
        mutating func settleByChoicesAround() {
            for position in mentions.indices where mentions[position].key == nil {
                let mention = mentions[position]
                let from = position > 0 ? mentions[position - 1].end : 0
                let to = position + 1 < mentions.count ? mentions[position + 1].start : words.count
                var best: (key: String, count: Int)?
                var tie = false
                for candidate in mention.candidates {
                    let named = choicesNamed(candidate).filter {
                        $0.start >= from && $0.end <= to && ($0.end <= mention.start || $0.start >= mention.end)
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
        }

        /// Two names side by side, nothing between them: one is the other's option (`zaatar
        /// croissants`, `taouk jebne`), or the second names the first again (`strawberry shakes`).
        mutating func joinNamesSideBySide() {
            var index = 0
            while index + 1 < mentions.count {
                let (first, second) = (mentions[index], mentions[index + 1])
                let gap = words[first.end..<second.start]
                // "à" is no number: only digits and numbers spelled out part two names.
                guard !gap.contains(where: { OrderParser.connectors.contains($0) || OrderParser.isNumber($0) }) else {
                    index += 1
                    continue
                }
                let shared = Set(first.candidates).intersection(second.candidates)
                if Message.covers(choicesOf(first), second) {
                    mentions.remove(at: index + 1)
                } else if Message.covers(choicesOf(second), first) {
                    mentions.remove(at: index)
                } else if first.end == second.start, first.key == nil, second.key == nil, shared.count == 1,
                    let key = shared.first
                {
                    // Two words each fitting several items, together one (`croissant chocolat`).
                    mentions[index] = first.spanning(first.start, second.end, candidates: [key])
                    mentions[index].dual = first.dual || second.dual
                    mentions.remove(at: index + 1)
                } else if first.end == second.start, first.partial, first.length == 1, second.key != nil,
                    !second.partial,
                    reading.known[first.start] != words[first.start], !shared.contains(second.key!)
                {
                    // A kind's word from the lexicon before an item's whole name (`قهوة إسبريسو`,
                    // coffee: espresso) says what the item is, not a second item.
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
        }

        /// A name that is a choice of the item named before it is that choice, even past an "and"
        /// (`taouk ma3 jebne w toum zyede`, `un houmous à la viande`). When the name before fits
        /// several items, a word of a longer name inside a choice of one of them (`pizza with
        /// extra cheese`: not the Four Cheese) is that choice, and tells which.
        mutating func dropChoicesReadAsItems() {
            var index = 1
            while index < mentions.count {
                let previous = mentions[index - 1]
                let keys = previous.key.map { [$0] } ?? (mentions[index].partial ? previous.candidates : [])
                var covering: [String] = []
                for key in keys
                where Message.covers(choicesNamed(key).filter { $0.start >= previous.end }, mentions[index]) {
                    covering.append(key)
                }
                guard !covering.isEmpty else {
                    index += 1
                    continue
                }
                if previous.key == nil, covering.count == 1 { mentions[index - 1] = previous.settled(covering[0]) }
                mentions.remove(at: index)
            }
        }

        /// "2 zaatar manakish and a cheese one": a name that fits several items is read with the
        /// words of the item named before it (its head noun) when that settles it.
        mutating func settleByHeadNoun() {
            for position in mentions.indices.dropFirst() where mentions[position].key == nil {
                let previous = mentions[position - 1]
                let own = Array(reading.known[mentions[position].start..<mentions[position].end])
                let heads = reading.known[previous.start..<previous.end]
                // The same head again (`chicken shawarma w 2 shawarma`) is asked about, not guessed.
                guard !own.contains(where: heads.contains) else { continue }
                for head in heads {
                    if let key = parser.itemMatcher.item(named: own + [head])
                        ?? parser.itemMatcher.item(named: [head] + own)
                    {
                        mentions[position] = mentions[position].settled(key)
                        break
                    }
                }
            }
        }

        /// "a burger" where the menu has a Classic Burger and a Crispy Chicken Burger: the one
        /// whose name is the word with only a plain modifier (classic, original, عادي) is meant.
        mutating func settleByPlainModifier() {
            for position in mentions.indices where mentions[position].key == nil {
                let words = Set(reading.known[mentions[position].start..<mentions[position].end])
                let plain = mentions[position].candidates.filter { key in
                    guard let item = parser.items[key] else { return false }
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
        }

        /// Each mention's segment: from the end of the previous one's (after the last connector
        /// between them, or at a number starting the next) to the start of the next one's.
        func segments() -> [(Int, Int)] {
            var bounds: [(Int, Int)] = []
            var start = 0
            for (position, mention) in mentions.enumerated() {
                var end = words.count
                if position + 1 < mentions.count {
                    let next = mentions[position + 1]
                    end = next.start
                    if let connector = (mention.end..<next.start).last(where: {
                        OrderParser.connectors.contains(words[$0])
                    }) {
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
            return bounds
        }

        /// The lines, priced from the catalog, with what the conversation must ask about.
        mutating func result() -> Result {
            var result = Result()
            for mention in mentions {
                if mention.partial, mention.length == 1 {
                    result.partialWords.append(mention.phrase)
                } else {
                    result.namesWholeItem = true
                }
            }
            let bounds = segments()
            var covered = Set(mentions.flatMap { $0.start..<$0.end })
            for (position, mention) in mentions.enumerated() {
                let (from, to) = bounds[position]
                guard let key = mention.key, let item = parser.items[key] else {
                    result.ambiguous.append(
                        (mention.phrase, mention.candidates, parser.quantity(mention, (from, to), words, []).value)
                    )
                    continue
                }
                // Options are the item's choices named in its segment, before or after its name.
                let segment = choicesNamed(key).filter { $0.start >= from && $0.end <= to }
                for option in segment { covered.formUnion(option.start..<option.end) }
                guard item.availability == .available else {
                    result.unavailable.append(key)
                    continue
                }
                let chosen = segment.filter { $0.end <= mention.start || $0.start >= mention.end }
                var picked: [Cart.Option] = []
                for group in item.options {
                    let picks = group.choices.filter { choice in
                        chosen.contains { $0.key == "\(group.key)/\(choice.key)" }
                    }
                    if picks.count < group.minChoices { result.missingChoices.append((key, group.key)) }
                    if let maximum = group.maxChoices, picks.count > maximum {
                        result.tooManyChoices.append((key, group.key))
                    }
                    picked += picks.map {
                        Cart.Option(key: "\(group.key)/\($0.key)", name: $0.name, priceDelta: $0.price)
                    }
                }
                let (count, stated) = parser.quantity(mention, (from, to), words, chosen)
                result.lines.append(
                    Cart.Line(itemKey: key, name: item.name, unitPrice: item.price, quantity: count, options: picked)
                )
                result.stated.append(stated)
            }
            if !mentions.isEmpty { result.unmatched = parser.unmatched(words, reading.known, covered: covered) }
            return result
        }
    }
}
