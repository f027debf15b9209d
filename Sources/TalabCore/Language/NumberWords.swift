import Foundation

/// Quantities as customers write them: digits (Arabic-Indic ones are made ASCII by the normalizer),
/// `2x` / `x2`, and spelled numbers in English, French, Arabizi and Arabic.
public enum NumberWords {
    /// The quantity one normalized word states, if it states one (1 to 99).
    public static func quantity(_ word: some StringProtocol) -> Int? {
        let word = String(word)
        if let value = Int(word), (1...99).contains(value) { return value }
        if word.hasSuffix("x"), let value = Int(word.dropLast()), (1...99).contains(value) { return value }
        if word.hasPrefix("x"), let value = Int(word.dropFirst()), (1...99).contains(value) { return value }
        return spelled[word]
    }

    /// Normalized spellings (see `TextNormalizer`: ة is ه, أ is ا) of one to twelve.
    static let spelled: [String: Int] = {
        var table: [String: Int] = [:]
        let spellings: [(Int, [String])] = [
            (1, ["one", "a", "an", "un", "une", "wa7ad", "wahad", "we7de", "wa7de", "wahde", "واحد", "واحده", "وحده"]),
            (2, ["two", "deux", "tnein", "tnen", "tnain", "tneen", "itnen", "اثنين", "اتنين", "تنين", "ثنين", "زوج"]),
            (
                3,
                [
                    "three", "trois", "tlete", "tleteh", "tlet", "tlette", "talet", "tleta", "tlateh", "ثلاثه", "تلاته",
                    "تلات", "ثلاث",
                ]
            ),
            (4, ["four", "quatre", "arba3a", "arb3a", "arbaa", "arba3", "arb3", "اربعه", "اربع"]),
            (5, ["five", "cinq", "5amse", "khamse", "khamsa", "5ames", "khames", "خمسه", "خمس"]),
            (6, ["six", "sette", "sitte", "set", "سته", "ست"]),
            (7, ["seven", "sept", "sab3a", "saba3", "سبعه", "سبع"]),
            (8, ["eight", "huit", "tmene", "tmeneh", "tmenye", "ثمانيه", "تمانيه", "تمنه"]),
            (9, ["nine", "neuf", "tes3a", "tis3a", "تسعه", "تسع"]),
            (10, ["ten", "dix", "3ashra", "ashra", "عشره", "عشر"]),
            (12, ["dozen", "douzaine", "dazzine", "دزينه"]),
        ]
        for (value, words) in spellings {
            for word in words { table[TextNormalizer.normalize(word)] = value }
        }
        return table
    }()
}
