import Foundation

/// Tells the language of a customer's message from the evidence of its words: Arabic script,
/// Arabizi (a digit standing for a letter inside a word, or a Lebanese function word), English and
/// French function words. Dish names and other shared words are no evidence. With no evidence
/// (`ok`, `👍`, `2`) the conversation keeps its language; a tie goes to the business's default.
/// LANGUAGE-NOTES.md has the facts this follows.
public struct LanguageDetector: Sendable {
    /// The verdict, and how much of the evidence agreed (0 when there was none).
    public struct Detection: Sendable, Equatable {
        public let language: Language
        public let confidence: Double
        public let scores: [Language: Double]
    }

    /// Words that belong to every language of the menu: dish names, catalog words.
    public var sharedWords: Set<String>
    /// Transliteration keys of the menu's words in Arabic script: a Latin word that is one of them
    /// (`sabanikh` for سبانخ, `sede` for سادة) is Arabic written in Latin letters, Arabizi.
    var arabicKeys: Set<String>

    /// Common words the menu writes in one language's names only (`spinach`, `fresh` in English
    /// names; `épinards` in French translations), not dish names: weaker evidence of that language.
    var nameWords: [String: Language] = [:]
    /// Every word of the menu's Latin names and choices, in any language: a Latin word that is one of
    /// them (`double`) is the menu's word, not an Arabic one written in Latin letters.
    var latinNameWords: Set<String> = []

    public init(
        sharedWords: Set<String> = [],
        arabicNames: [String] = [],
        names: [(text: String, language: Language)] = []
    ) {
        // A catalog word that is also a word of one language ("au" in "Manouché au zaatar") stays evidence.
        let languageWords = LanguageDetector.arabizi.union(LanguageDetector.french).union(LanguageDetector.english)
        self.sharedWords = sharedWords.subtracting(languageWords).union(LanguageDetector.dishes)
        arabicKeys = Set(
            arabicNames.flatMap { TextNormalizer.words(TextNormalizer.normalize($0)) }
                .flatMap { Transliteration.keys(String($0)) }.filter { $0.count >= 2 }
        )
        var languages: [String: Set<Language>] = [:]
        for (text, language) in names {
            for word in TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init)
            where !languageWords.contains(word) && !LanguageDetector.dishes.contains(word)
                && word.count >= 3 && word.allSatisfy(\.isLetter)
            {
                languages[word, default: []].insert(language)
            }
        }
        nameWords = languages.filter { $0.value.count == 1 }.mapValues { $0.first! }
        latinNameWords = Set(
            names.flatMap { TextNormalizer.words(TextNormalizer.normalize($0.text)).map(String.init) }
                .filter { !$0.unicodeScalars.contains(where: TextNormalizer.isArabic) }
        )
    }

    public func detect(_ text: String, previous: Language? = nil, fallback: Language = .english) -> Detection {
        // Words of the menu's names (`classic`, `chocolat`) are the customer's choice of a dish's
        // name, not of a language: they count only when nothing else in the line does
        // (`chicken burger w classic single` is Arabizi).
        var scores: [Language: Double] = [:]
        var weak: [Language: Double] = [:]
        let normalized = TextNormalizer.normalize(text)
        for word in TextNormalizer.words(normalized) {
            let word = String(word)
            if let (language, weight) = evidence(word) {
                if weight < LanguageDetector.strong {
                    weak[language, default: 0] += weight
                } else {
                    scores[language, default: 0] += weight
                }
            } else if pluralOfName(word) {
                // A dish's name with a plural ending (`franciscos`, `mochis`): English or French grammar.
                weak[.english, default: 0] += 0.25
                weak[.french, default: 0] += 0.25
            }
        }
        if scores.isEmpty { scores = weak }
        let total = scores.values.reduce(0, +)
        guard total > 0, let best = scores.values.max() else {
            // Latin letters are never Arabic: without evidence they keep a Latin conversation's
            // language, else the business's, else Lebanon's Latin script, Arabizi.
            var language = previous ?? fallback
            if language == .arabic, !normalized.unicodeScalars.contains(where: TextNormalizer.isArabic),
                normalized.contains(where: \.isLetter)
            {
                language = [previous, fallback].compactMap { $0 }.first { $0 != .arabic } ?? .arabizi
            }
            return Detection(language: language, confidence: 0, scores: scores)
        }
        let leaders = scores.filter { $0.value == best }.map(\.key)
        let language: Language
        if leaders.count == 1 {
            language = leaders[0]
        } else if let previous, leaders.contains(previous) {
            language = previous
        } else if leaders.contains(fallback) {
            language = fallback
        } else {
            language = leaders.sorted { $0.rawValue < $1.rawValue }[0]
        }
        return Detection(language: language, confidence: best / total, scores: scores)
    }

    /// What one normalized word says, and how strongly.
    func evidence(_ word: String) -> (Language, Double)? {
        if word.unicodeScalars.contains(where: TextNormalizer.isArabic) { return (.arabic, 1) }
        if LanguageDetector.ambiguous.contains(word) { return nil }
        // A plural in -s or -x (`waters`, `eaux`) is its name's word.
        let stem = word.count > 3 && (word.hasSuffix("s") || word.hasSuffix("x")) ? String(word.dropLast()) : word
        if sharedWords.contains(word) { return nameWords[word].map { ($0, 0.5) } }
        if LanguageDetector.arabizi.contains(word) { return (.arabizi, 1) }
        if LanguageDetector.isArabiziDigitWord(word) { return (.arabizi, 1.5) }
        if word.allSatisfy(\.isNumber) { return nil }
        // A word of the language's own list, or its plural (`petites`; not `thés` for `the`).
        let plural = stem.count >= 4 ? stem : word
        if LanguageDetector.french.contains(word) || LanguageDetector.french.contains(plural) { return (.french, 1) }
        if LanguageDetector.english.contains(word) || LanguageDetector.english.contains(plural) {
            return (.english, 1)
        }
        if sharedWords.contains(stem) { return nameWords[stem].map { ($0, 0.5) } }
        // A word of the menu's names in one language only (`plates` of the choice Plate).
        if let language = nameWords[word] ?? nameWords[stem] { return (language, 0.5) }
        // An Arabic word of the menu written in Latin letters (the menu's Latin names are no evidence).
        if word.allSatisfy(\.isLetter), !latinNameWords.contains(word),
            Transliteration.matchingKeys(word).contains(where: arabicKeys.contains)
        {
            return (.arabizi, 0.75)
        }
        return nil
    }

    /// Whether the word is a name of the menu's with a plural ending its name does not have.
    func pluralOfName(_ word: String) -> Bool {
        word.count > 3 && (word.hasSuffix("s") || word.hasSuffix("x")) && !sharedWords.contains(word)
            && sharedWords.contains(String(word.dropLast())) && nameWords[String(word.dropLast())] == nil
    }

    /// The weight from which a word is evidence of its own (a function word, a digit for a letter).
    static let strong = 0.75

    /// A digit for a letter inside a word (`ma3`, `sa7`, `5alas`, `la2`, `2alb`), not a quantity or a
    /// unit stuck to a number (`2x`, `18h`, `7pm`, `500g`, `3pcs`).
    static func isArabiziDigitWord(_ word: String) -> Bool {
        let characters = Array(word)
        guard characters.contains(where: \.isLetter) else { return false }
        let leading = characters.prefix(while: \.isNumber)
        if !leading.isEmpty {
            let rest = String(characters.dropFirst(leading.count))
            if units.contains(rest) || (leading.count > 1 && rest.allSatisfy(\.isLetter)) { return false }
        }
        // A multiplier (`x2`, `x12`) is no letter.
        if characters.first == "x", characters.count > 1, characters.dropFirst().allSatisfy(\.isNumber) { return false }
        return characters.contains { "2345679".contains($0) }
    }

    static let units: Set<String> = [
        "x", "h", "pm", "am", "g", "kg", "pcs", "pc", "pieces", "cm", "m", "km", "min", "mins", "l", "ml", "st", "nd",
        "rd", "th", "e", "eme", "er", "$", "usd", "lbp", "k",
    ]

    /// Words every language here uses: "delivery" and "menu" are Lebanese Arabizi and French too.
    static let ambiguous: Set<String> = [
        "la", "ma", "men", "bas", "a", "i", "de", "le", "fi", "se", "delivery", "menu", "ok", "okay", "sandwich",
    ]

    static let arabizi: Set<String> = [
        "shu", "chou", "chu", "shou", "ktir", "kteer", "baddi", "badde", "bade", "beddi", "biddi", "bedde", "hayda",
        "hayde", "haydi", "mesh", "mish", "mech", "msh", "eza", "iza", "hek", "heik", "halla2", "halla", "3am", "kel",
        "kell", "la2", "eh", "ee", "yalla", "khalas", "5alas", "bass", "enno", "eno", "ma3", "mn", "w", "wel", "l",
        "el", "bel", "bl", "kif", "kifak", "kifik", "keefak", "sa7", "ahla", "marhaba", "mar7aba", "tayeb", "tayyeb",
        "akid", "bala", "bidun", "bdoun", "ma3o", "ma3a", "wa7ad", "wahad", "we7de", "tnein", "tnen", "tleteh",
        "tlete", "arba3a", "5amse", "khamse", "sette", "sab3a", "tmeneh", "tes3a", "3ashra", "bokra", "bukra",
        "lyom", "elyom", "lyoum", "masa", "l2", "sabaho", "sabah", "emta", "btsakro", "btfta7o", "fiye", "fina",
        "fik", "fiki", "chi", "shi", "ya3ne", "ya3ni", "yaane", "bhebbak", "merci2", "shukran", "chukran", "tfaddal",
        "3a", "ba3d", "kamen", "kaman", "hon", "hunik", "wen", "wein", "ade", "adde", "2adde", "2addesh", "addesh",
        "b2addesh", "tawil", "sghir", "kbir", "zghir", "delivery2", "jeble", "jible", "jibli", "btjibouli", "ta3",
        "ta3o",
        "3ande", "3endi", "andi", "3andak", "3andkon", "bteftaho", "sakrin", "fat7in", "ma3leh", "ma3lesh", "habibi",
    ]

    static let french: Set<String> = [
        "je", "veux", "voudrais", "voudrai", "aimerais", "avec", "sans", "et", "pour", "merci", "bonjour", "bonsoir",
        "svp", "stp", "plait", "il", "vous", "nous", "un", "une", "des", "du", "les", "deux", "trois", "quatre",
        "cinq", "six", "sept", "huit", "neuf", "dix", "livraison", "emporter", "sur", "place", "demain", "ce", "soir",
        "midi", "oui", "non", "est", "ce", "que", "quoi", "combien", "prix", "carte", "commande", "commander",
        "annuler", "fermez", "ouvert", "ouverts", "ferme", "heure", "quelle", "quel", "adresse", "mon", "ma", "mes",
        "moi", "aussi", "encore", "plus", "moins", "peu", "beaucoup", "bien", "tres", "oignons", "oignon", "ail",
        "fromage", "grand", "grande", "petit", "petite", "reserver", "reservation", "terrain", "coupe", "cheveux",
        "rendez", "vous", "apres", "matin", "aujourd", "hui", "bonne", "nuit", "au", "aux", "en", "chez", "dans",
        "accord", "plutot", "remboursement", "possible", "voudrions", "portion", "assiette", "ai", "pouvez", "livrer",
        "fermes", "sandwichs",
    ]

    static let english: Set<String> = [
        "i", "want", "would", "like", "please", "pls", "plz", "can", "could", "get", "have", "and", "with", "without",
        "no", "yes", "the", "an", "of", "to", "for", "my", "me", "is", "are", "it", "this", "that", "what", "how",
        "much", "many", "price", "menu", "order", "cancel", "delivery", "deliver", "pickup", "pick", "up", "takeaway",
        "take", "away", "tomorrow", "today", "tonight", "at", "open", "close", "closed", "when", "hours", "thanks",
        "thank", "you", "hi", "hello", "hey", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "extra", "large", "small", "medium", "book", "booking", "court", "slot", "haircut", "appointment",
        "address", "do", "does", "your", "where", "status", "some", "more", "less", "also", "add", "remove", "change",
        "instead", "cart", "confirm", "need", "just", "only", "any", "there", "good", "great", "go", "ahead", "sorry",
        "send", "same", "again", "last", "time", "usual", "as", "sandwiches",
    ]

    /// Names of dishes that every language uses as they are.
    static let dishes: Set<String> = [
        "shawarma", "chawarma", "shawerma", "falafel", "felafel", "mjadara", "mjaddara", "manakish", "manaeesh",
        "man2ouche", "mana2ish", "man2oushe", "kibbe", "kebbe", "kibbeh", "hummus", "hommos", "houmous", "7ommos",
        "fattoush", "tabbouleh", "tabboule", "toum", "batata", "harra", "kafta", "kefta", "tawook", "taouk",
        "shish", "labneh", "labne", "zaatar", "za3tar", "jallab", "ayran", "pepsi", "fries", "nayeh", "padel",
        "alhamdulillah", "inshallah", "inchallah", "wallah",
    ]
}
