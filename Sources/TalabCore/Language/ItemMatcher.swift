import Foundation

/// Finds the catalog items a customer names in a message, with their quantities: by name,
/// translation or alias, after normalization (case, accents, Arabic letter variants, Arabic-Indic
/// digits), singular or plural, and with a typo or two in longer names. A phrase that fits several
/// items equally is reported with all of them, for the conversation to ask rather than guess.
public struct ItemMatcher: Sendable {
    /// An item as the matcher knows it: its key and every way of naming it.
    public struct Entry: Sendable, Hashable {
        public let key: String
        public let names: [String]

        public init(key: String, names: [String]) {
            self.key = key
            self.names = names
        }
    }

    /// One place in the message that names an item (or several, when ambiguous).
    public struct Mention: Sendable, Equatable {
        /// The keys of the items the phrase fits best; one unless the phrase is ambiguous.
        public let candidates: [String]
        public let quantity: Int
        /// Whether the customer stated the quantity (else it is 1).
        public let quantityStated: Bool
        /// The words of the normalized message that named it.
        public let phrase: String
        /// 0 for an exact name, else the edit distance of the typo.
        public let distance: Int
        /// Where the phrase starts, in words of the normalized message.
        public let start: Int
        /// How many words of the message the phrase takes.
        public var length: Int = 1
        /// Whether a word of the phrase was a dual (`منقوشتين`, `tabtein`): two of it.
        public var dual = false
        /// Whether the phrase is one word of a longer name (`shake`, `shawarma`), not a whole name.
        public var partial = false

        public var key: String? { candidates.count == 1 ? candidates[0] : nil }
        public var end: Int { start + length }

        /// The same place, read as naming `key` alone.
        public func settled(_ key: String) -> Mention { spanning(start, end, candidates: [key]) }

        /// The mention stretched over the words from `start` to `end` (two names of one item side
        /// by side: `milkshakes à la fraise`).
        public func spanning(_ start: Int, _ end: Int, candidates: [String]? = nil) -> Mention {
            var mention = Mention(
                candidates: candidates ?? self.candidates,
                quantity: quantity,
                quantityStated: quantityStated && start == self.start,
                phrase: phrase,
                distance: distance,
                start: start
            )
            mention.length = end - start
            mention.dual = dual
            mention.partial = partial
            return mention
        }
    }

    /// A message as the matcher read it: its words, each word as the names know it (a plural, a
    /// dual, another spelling or a lexicon word made the name's word), and the mentions found.
    public struct Reading: Sendable {
        public let words: [String]
        public let known: [String]
        /// Positions of words that were duals.
        public let duals: Set<Int>
        public let mentions: [Mention]
    }

    private let phrases: [String: Set<String>]
    /// Each distinctive word of the names (in at most three items' names), to the items it is in:
    /// `shawarma` alone names both shawarmas, and the customer is asked which.
    private let nameWords: [String: Set<String>]
    private let byLength: [Int: [(phrase: String, words: [String])]]
    private let longest: Int
    /// Whether a phrase after "without" (`bala`, `sans`, `no`) is skipped: it names an option.
    private let skipsWithout: Bool
    /// Words the names do not have, to the names' word of the same lexicon group.
    private let substitutes: [String: [String]]
    /// Every phrase by its transliteration keys, with whether it is written in Arabic script: a
    /// phrase of the other script with the same key is the same words (`kbir`, كبير).
    private let phraseKeys: [String: [(phrase: String, arabic: Bool)]]
    /// Phrases without the small words inside them ("manouche fromage" for "Manouché au fromage",
    /// "jus orange" for "Jus d'orange"), to the phrases they come from.
    private let loosePhrases: [String: Set<String>]
    /// The names' words by their transliteration keys, with whether each is in Arabic script.
    private let wordKeys: [String: [(word: String, arabic: Bool)]]
    /// Runs of two or more words inside a longer name that are in one item's names only (`نص فروج`
    /// of `نص فروج مشوي` beside `فروج مشوي كامل`): the customer left out the rest.
    private let innerPhrases: [String: String]

    /// `skipsWithout`: false for a matcher of option choices, whose names include `bala toum`.
    public init(entries: [Entry], skipsWithout: Bool = true, lexicon: MenuLexicon = .shipped) {
        self.skipsWithout = skipsWithout
        var phrases: [String: Set<String>] = [:]
        for entry in entries {
            // "Cheese Rolls (5 pieces)" is also ordered as "cheese rolls".
            let names = entry.names + entry.names.compactMap(ItemMatcher.withoutQualifier)
            for name in names {
                let words = TextNormalizer.words(TextNormalizer.normalize(name)).map {
                    ItemMatcher.canonical(ItemMatcher.singular(String($0)), options: !skipsWithout)
                }
                guard !words.isEmpty else { continue }
                phrases[words.joined(separator: " "), default: []].insert(entry.key)
            }
        }
        self.phrases = phrases
        var words: [String: Set<String>] = [:]
        for (phrase, keys) in phrases {
            // "no fries" is never meant by "fries" alone: a negative name needs its negation.
            let parts = phrase.split(separator: " ")
            if parts.count > 1, ItemMatcher.without.contains(String(parts[0])) { continue }
            for word in parts
            where word.count >= 3 && !ItemMatcher.isFunctionWord(String(word))
                && !lexicon.containers.contains(String(word))
            {
                words[String(word), default: []].formUnion(keys)
            }
        }
        // A word names what its lexicon group names (`juice`, `jus`, عصير), and what its
        // transliteration in the other script names (`3asir`, عصير).
        let knownWords = Set(phrases.keys.flatMap { $0.split(separator: " ").map(String.init) })
        var related: [String: Set<String>] = [:]
        for group in lexicon.groups {
            let present = group.filter { words[$0] != nil }
            for word in present { related[word, default: []].formUnion(present) }
        }
        var wordKeys: [String: [(word: String, arabic: Bool)]] = [:]
        for word in knownWords where !ItemMatcher.isFunctionWord(word) {
            for key in Transliteration.keys(word) where key.count >= 2 {
                wordKeys[key, default: []].append((word, Transliteration.isArabicScript(word)))
            }
        }
        self.wordKeys = wordKeys
        for entries in wordKeys.values where Set(entries.map(\.arabic)).count == 2 {
            let present = entries.map(\.word).filter { words[$0] != nil }
            for word in present { related[word, default: []].formUnion(present) }
        }
        var widened = words
        for (word, others) in related {
            for other in others { widened[word, default: []].formUnion(words[other] ?? []) }
        }
        self.nameWords = widened.filter { $0.value.count <= 3 }
        var byLength: [Int: [(phrase: String, words: [String])]] = [:]
        for phrase in phrases.keys {
            let words = phrase.split(separator: " ").map(String.init)
            byLength[words.count, default: []].append((phrase, words))
        }
        self.byLength = byLength
        self.longest = byLength.keys.max() ?? 1
        self.knownWords = knownWords
        substitutes = lexicon.substitutes(for: knownWords)
        var loosePhrases: [String: Set<String>] = [:]
        for phrase in phrases.keys {
            let words = phrase.split(separator: " ").map(String.init)
            let loose = ItemMatcher.loose(words)
            if loose.count < words.count, !loose.isEmpty {
                loosePhrases[loose.joined(separator: " "), default: []].insert(phrase)
            }
        }
        self.loosePhrases = loosePhrases
        var inner: [String: Set<String>] = [:]
        for (phrase, keys) in phrases {
            let words = phrase.split(separator: " ").map(String.init)
            guard words.count >= 3 else { continue }
            for length in 2..<words.count {
                for start in 0...(words.count - length) {
                    let run = words[start..<start + length]
                    // Two words that name something at least: not `a la` of `Citronnade à la menthe`.
                    let content = run.filter {
                        !ItemMatcher.isFunctionWord($0) && !ItemMatcher.smallWords.contains($0)
                            && !LanguageDetector.ambiguous.contains($0) && $0.count >= 2
                    }
                    guard content.count >= 2, let first = run.first, let last = run.last, content.first == first,
                        content.last == last
                    else { continue }
                    inner[run.joined(separator: " "), default: []].formUnion(keys)
                }
            }
        }
        innerPhrases = inner.compactMapValues { $0.count == 1 ? $0.first : nil }.filter { phrases[$0.key] == nil }
        var phraseKeys: [String: [(phrase: String, arabic: Bool)]] = [:]
        for phrase in phrases.keys {
            let words = phrase.split(separator: " ").map(String.init)
            let letters = words.filter { $0.contains(where: \.isLetter) }
            let arabic = letters.allSatisfy(Transliteration.isArabicScript)
            guard arabic || !letters.contains(where: Transliteration.isArabicScript) else { continue }
            for key in Transliteration.keys(phrase: words) where key.count >= 2 {
                phraseKeys[key, default: []].append((phrase, arabic))
            }
        }
        self.phraseKeys = phraseKeys
    }

    /// For option choices, every "without" word is one: "without onions" is "bala basal"'s group
    /// mate "no onions", and "sans ail" reads like "no garlic".
    static func canonical(_ word: String, options: Bool) -> String {
        options && without.contains(word) ? "no" : word
    }

    /// Every word of every name, to tell a conjunction glued to a name (`وحمص`) from a word.
    let knownWords: Set<String>

    /// `وحمص` ("and hummus"): Arabic writes "and" joined to the next word; split it off when the
    /// rest is a word of a name and the whole is not.
    private func unglued(_ word: String) -> String {
        // "و٢ عيران": "and 2 ayran", the digit already made ASCII.
        if word.hasPrefix("و"), word.count >= 2, word.dropFirst().allSatisfy(\.isNumber) {
            return String(word.dropFirst())
        }
        guard word.hasPrefix("و"), word.count >= 3, !knownWords.contains(ItemMatcher.singular(word)) else {
            return word
        }
        let rest = String(word.dropFirst())
        return knownWords.contains(ItemMatcher.singular(rest)) ? rest : word
    }

    public func mentions(in text: String) -> [Mention] { read(text).mentions }

    /// The words of a message the matcher reads (about thirty items with their choices).
    public static let wordLimit = 160

    /// The one item whose name is these words (as the names know them, or in the other script),
    /// if one is.
    public func item(named words: [String]) -> String? {
        let keys = phrases[words.joined(separator: " ")] ?? transliterated(words) ?? []
        return keys.count == 1 ? keys.first : nil
    }

    /// The word as the names know it, if a rule makes it one of theirs: a plural or a dual (`كبتين`,
    /// `thés`, `tabtein`), a feminine or construct ending (`صغيرة`, `man2oushet`), or a word of the
    /// lexicon; and whether it was a dual.
    func known(_ word: String) -> (word: String, dual: Bool)? {
        let singular = ItemMatcher.canonical(ItemMatcher.singular(word), options: !skipsWithout)
        if knownWords.contains(singular) { return (singular, false) }
        let stems = ItemMatcher.stems(of: singular)
        for (stem, dual) in stems where knownWords.contains(stem) { return (stem, dual) }
        // The same word in the other script (`kbir` كبير, `jebne` جبنة, بيبسي `pepsi`).
        if !ItemMatcher.isFunctionWord(singular) {
            // The word as written; what `singular` made of it is held to more (`kabis` is not
            // `kabi`, كبة).
            let plain = ItemMatcher.canonical(word, options: !skipsWithout)
            if let other = transliterated(word: plain, written: plain) { return (other, false) }
            if singular != plain, let other = transliterated(word: singular, written: plain, strict: true) {
                return (other, false)
            }
            // A form the rules made is held to the length of the word written (not اكل → اكله → `kale`).
            // ...and needs three consonants in common: `kabis` is not كبة by way of `kabi`.
            for (stem, dual) in stems {
                if let other = transliterated(word: stem, written: singular, strict: true) { return (other, dual) }
            }
        }
        if let substitute = substitutes[singular]?.first { return (substitute, false) }
        for (stem, dual) in stems { if let substitute = substitutes[stem]?.first { return (substitute, dual) } }
        return nil
    }

    /// The other words of the names a lexicon word may stand for (`kesset`: `cup`, and كاسة).
    func alternatives(_ word: String) -> [String] {
        let singular = ItemMatcher.canonical(ItemMatcher.singular(word), options: !skipsWithout)
        guard !knownWords.contains(singular) else { return [] }
        let words =
            substitutes[singular] ?? ItemMatcher.stems(of: singular).lazy.compactMap { self.substitutes[$0.0] }.first
        return Array((words ?? []).dropFirst())
    }

    /// The one word of the names in the other script with the same transliteration key.
    private func transliterated(word: String, written: String, strict: Bool = false) -> String? {
        let arabic = Transliteration.isArabicScript(word)
        var found: String?
        for key in Transliteration.matchingKeys(word, written: written, short: !skipsWithout)
        where !strict || key.count >= 3 {
            for entry in wordKeys[key] ?? [] where entry.arabic != arabic {
                if found != nil, found != entry.word { return nil }
                found = entry.word
            }
        }
        return found
    }

    /// A phrase's words without the small words inside it: articles, prepositions, "with".
    static func loose(_ words: [String]) -> [String] {
        guard words.count > 2 else { return words }
        let inner = words.dropFirst().dropLast().filter {
            !(ItemMatcher.isFunctionWord($0) && !ItemMatcher.without.contains($0))
                && !ItemMatcher.smallWords.contains($0)
        }
        return [words[0]] + inner + [words[words.count - 1]]
    }

    /// Articles and prepositions inside names, present or not as customers write them.
    static let smallWords: Set<String> = [
        "a", "an", "the", "of", "with", "l", "d", "la", "le", "les", "de", "des", "du", "au", "aux", "avec", "bi", "b",
        "el", "al", "il", "bel", "bil", "ma3",
    ]

    /// What a word may be without an ending, longest ending first, with whether it was a dual.
    static func stems(of word: String) -> [(String, Bool)] {
        var stems: [(String, Bool)] = []
        let characters = Array(word)
        func drop(_ count: Int) -> String? {
            characters.count - count >= 2 ? String(characters.dropLast(count)) : nil
        }
        if Transliteration.isArabicScript(word) {
            let marker = "\u{0647}"  // ة, as the normalizer writes it
            // Duals: كاستين → كاسه, عصيرين → عصير; sound plurals: سندويشات → سندويش(ه).
            if word.hasSuffix("تين"), let stem = drop(3) { stems += [(stem + marker, true), (stem + "ت", true)] }
            if word.hasSuffix("ين"), let stem = drop(2) { stems += [(stem, true), (stem + marker, true)] }
            if word.hasSuffix("ات"), let stem = drop(2) { stems += [(stem + marker, false), (stem, false)] }
            // A feminine ending agreeing with its noun: صغيره → صغير; or its absence.
            if word.hasSuffix(marker), let stem = drop(1) { stems.append((stem, false)) }
            if !word.hasSuffix(marker) { stems.append((word + marker, false)) }
        } else if word.contains(where: \.isLetter), word.allSatisfy({ $0.isLetter || $0.isNumber }) {
            // Arabizi duals (`tabtein`, `kestein`), construct endings (`man2oushet`, `kesset`).
            for ending in ["tein", "tain", "ten", "ein"]
            where word.hasSuffix(ending) && characters.count > ending.count + 2 {
                let stem = String(characters.dropLast(ending.count))
                stems += [(stem + "e", true), (stem + "a", true), (stem, true)]
            }
            for ending in ["et", "it"] where word.hasSuffix(ending) && characters.count > 4 {
                let stem = String(characters.dropLast(2))
                stems += [(stem + "e", false), (stem + "a", false), (stem, false)]
            }
            // Plurals and agreement: `thes`, `sandwiches`, `grande`, `zghire`.
            if word.hasSuffix("es"), let stem = drop(2) { stems.append((stem, false)) }
            if word.hasSuffix("s"), let stem = drop(1) { stems.append((stem, false)) }
            if word.hasSuffix("e"), let stem = drop(1) { stems.append((stem, false)) }
            if word.hasSuffix("eh"), let stem = drop(1) { stems.append((stem, false)) }
        }
        return stems
    }

    /// Reads the message: its words as the names know them, then each place that names an item:
    /// the longest phrase of a name (or its transliteration in the other script, or a near spelling)
    /// starting there.
    public func read(_ text: String) -> Reading {
        // A message longer than any order a person writes is read as far as `wordLimit` words: a
        // hostile 4,096 characters cost no more than a long order.
        let words = TextNormalizer.words(TextNormalizer.normalize(text)).prefix(ItemMatcher.wordLimit)
            .map { unglued(String($0)) }
        var singulars: [String] = []
        var duals: Set<Int> = []
        for (index, word) in words.enumerated() {
            if let (known, dual) = known(word) {
                singulars.append(known)
                if dual { duals.insert(index) }
            } else {
                singulars.append(ItemMatcher.canonical(ItemMatcher.singular(word), options: !skipsWithout))
            }
        }
        // Where a lexicon word stands for several words of the names, the others are tried too.
        var alternatives: [Int: [String]] = [:]
        for (index, word) in words.enumerated() where !substitutes.isEmpty {
            let others = self.alternatives(word)
            if !others.isEmpty { alternatives[index] = others }
        }
        func windows(_ index: Int, _ length: Int) -> [[String]] {
            let preferred = Array(singulars[index..<index + length])
            var windows = [preferred]
            for position in index..<index + length {
                for other in alternatives[position] ?? [] where windows.count < 6 {
                    var window = preferred
                    window[position - index] = other
                    windows.append(window)
                }
            }
            return windows
        }
        var mentions: [Mention] = []
        var index = 0
        while index < words.count {
            // `bala toum`, `sans oignons`, `no garlic`: what follows a "without" is an option, not an item.
            if skipsWithout, index > 0, ItemMatcher.without.contains(words[index - 1]) {
                index += 1
                continue
            }
            var found: (length: Int, keys: Set<String>, distance: Int)?
            var partial = false
            lengths: for length in stride(from: min(longest + 2, words.count - index), through: 1, by: -1) {
                let window = Array(singulars[index..<index + length])
                for window in windows(index, length) {
                    if length <= longest, let keys = phrases[window.joined(separator: " ")] {
                        found = (length, keys, 0)
                        break lengths
                    }
                    if length >= 3, let origins = loosePhrases[ItemMatcher.loose(window).joined(separator: " ")] {
                        found = (length, origins.reduce(into: Set<String>()) { $0.formUnion(phrases[$1] ?? []) }, 0)
                        break lengths
                    }
                    if length >= 2, let key = innerPhrases[window.joined(separator: " ")] {
                        found = (length, [key], 0)
                        break lengths
                    }
                    let written = words[index..<index + length].map {
                        ItemMatcher.canonical($0, options: !skipsWithout)
                    }
                    if let keys = transliterated(window, written: written) {
                        found = (length, keys, 0)
                        break lengths
                    }
                }
                if length == 1, let keys = nameWords[window[0]] {
                    found = (1, keys, 0)
                    partial = true
                    break
                }
                // A word of the languages themselves is never a typo of a name (`ktir` is not `kbir`).
                if length <= longest, !window.contains(where: ItemMatcher.isFunctionWord), let fuzzy = closest(window) {
                    found = (length, fuzzy.keys, fuzzy.distance)
                    break
                }
            }
            guard let found else {
                index += 1
                continue
            }
            var quantity: Int?
            if index > 0 { quantity = NumberWords.quantity(words[index - 1]) }
            let after = index + found.length
            if quantity == nil, after < words.count, words[after].hasPrefix("x") || words[after].hasSuffix("x") {
                quantity = NumberWords.quantity(words[after])
                // "x 2": the multiplier apart from its number.
                if quantity == nil, words[after] == "x", after + 1 < words.count {
                    quantity = Int(words[after + 1]).flatMap { (1...99).contains($0) ? $0 : nil }
                }
            }
            var mention = Mention(
                candidates: found.keys.sorted(),
                quantity: quantity ?? 1,
                quantityStated: quantity != nil,
                phrase: words[index..<after].joined(separator: " "),
                distance: found.distance,
                start: index
            )
            mention.length = found.length
            mention.dual = (index..<after).contains(where: duals.contains)
            mention.partial = partial
            mentions.append(mention)
            index = after
        }
        return Reading(words: words, known: singulars, duals: duals, mentions: mentions)
    }

    /// The items a window names when read in the other script (`la7me bi 3ajin`, لحم بعجين): a
    /// window of one script, neither starting nor ending with a function word or a number.
    /// `written`: the window's words as the customer wrote them; a window the rules changed
    /// (`kabis` made `kabi`) needs three consonants in common.
    private func transliterated(_ window: [String], written: [String]? = nil) -> Set<String>? {
        guard let first = window.first, let last = window.last,
            !ItemMatcher.isFunctionWord(first), !ItemMatcher.isFunctionWord(last),
            window.reduce(0, { $0 + $1.count }) >= 3
        else { return nil }
        // Within one script a shared key is no evidence (`coke`, `cake`); a window of both is.
        let letters = window.filter { $0.contains(where: \.isLetter) }
        let arabic = letters.allSatisfy(Transliteration.isArabicScript)
        let mixed = !arabic && letters.contains(where: Transliteration.isArabicScript)
        // Words the names already have are read as they are: a word that fits several items
        // (شاورما) is asked about, not settled by one item's alias in the other script.
        guard mixed || !window.allSatisfy(knownWords.contains) else { return nil }
        var keys: Set<String> = []
        let changed = written.map { $0 != window } ?? false
        for key in Transliteration.matchingKeys(phrase: window) where !changed || key.count >= 3 {
            for entry in phraseKeys[key] ?? [] where mixed || entry.arabic != arabic {
                keys.formUnion(phrases[entry.phrase] ?? [])
            }
        }
        return keys.isEmpty ? nil : keys
    }

    /// The known phrases of the same length within the typo allowance, if one distance wins.
    private func closest(_ window: [String]) -> (keys: Set<String>, distance: Int)? {
        let text = window.joined(separator: " ")
        let allowance = text.count >= 8 ? 2 : (text.count >= 4 ? 1 : 0)
        guard allowance > 0, let candidates = byLength[window.count] else { return nil }
        var best: (keys: Set<String>, distance: Int)?
        for candidate in candidates {
            // Every word must be close on its own: `chicken wrap` is not `chicken plate`.
            var total = 0
            var fits = true
            for (typed, known) in zip(window, candidate.words) {
                let limit = known.count >= 8 ? 2 : (known.count >= 4 ? 1 : 0)
                let distance = ItemMatcher.distance(typed, known, limit: limit)
                if distance > limit {
                    fits = false
                    break
                }
                total += distance
            }
            guard fits, total > 0, total <= allowance else { continue }
            if best == nil || total < best!.distance {
                best = (phrases[candidate.phrase] ?? [], total)
            } else if total == best!.distance {
                best!.keys.formUnion(phrases[candidate.phrase] ?? [])
            }
        }
        return best
    }

    /// `with`, `avec`, `ma3a`: words that tie a name together and name nothing alone.
    static func isFunctionWord(_ word: String) -> Bool {
        LanguageDetector.english.contains(word) || LanguageDetector.french.contains(word)
            || LanguageDetector.arabizi.contains(word) || without.contains(word)
    }

    static let without: Set<String> = [
        "bala", "bidun", "bdoun", "bidoun", "without", "no", "sans", "بلا", "بدون", "minus", "except",
    ]

    /// A word without a plural ending: `shawarmas` → `shawarma`, `oignons` → `oignon`, `fries` stays.
    static func singular(_ word: String) -> String {
        // The Arabic article and the particles glued to it: الحمص, والحمص, بالحمص → حمص.
        for prefix in ["وال", "بال", "ال", "لل"]
        where word.hasPrefix(prefix) && word.count >= prefix.count + 2 {
            return String(word.dropFirst(prefix.count))
        }
        // French plurals in -x: eaux → eau, gâteaux → gateau.
        if word.count > 3, word.hasSuffix("aux") || word.hasSuffix("eux") { return String(word.dropLast()) }
        guard word.count > 4, word.last == "s", !word.hasSuffix("ss"), word != "fries" else { return word }
        return String(word.dropLast())
    }

    /// A name without its parenthesised qualifier: "Water (500 ml)" → "Water"; nil when it has none.
    static func withoutQualifier(_ name: String) -> String? {
        guard let open = name.firstIndex(of: "("), open > name.startIndex else { return nil }
        var result = String(name[..<open])
        if let close = name[open...].firstIndex(of: ")") { result += name[name.index(after: close)...] }
        let trimmed = result.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The optimal string alignment distance (a transposition counts one), stopped past `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        if limit == 0 { return a == b ? 0 : 1 }
        // Scalars, not characters: normalized words have no combining marks left, and grapheme
        // breaking was most of the matcher's time.
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
