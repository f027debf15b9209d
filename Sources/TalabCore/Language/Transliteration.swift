import Foundation

/// Keys under which a word written in Arabic script and the same word written in Latin letters
/// (Arabizi: `kbir` for كبير, `la7me bi 3ajin` for لحم بعجين, `bala moz` for بلا موز) are found
/// alike, so that an owner writes a name in one script and customers find it in either.
///
/// A key is the word's consonants as they sound: vowels dropped (a e i o u, ا), the digits of
/// Arabizi read as the letters they stand for (3 ع, 7 ح, 5 خ, 2 ء/ق), the letters that Lebanese
/// speech merges merged (س ص ز ث with s and z, ت ط with t, د ض ذ with d), doubled consonants
/// once, the article ال and a final ة left out. Two letters are uncertain, and each word has the
/// keys of both readings: و ي (w y) are consonants or long vowels; ق is read k or not at all
/// (Lebanese `2ahwe` for قهوة, `fostok` for فستق). LANGUAGE-NOTES.md has the sounds this follows.
public enum Transliteration {
    /// The keys of one normalized word (see `TextNormalizer`), at most four; empty for a word of
    /// neither script, or of digits alone.
    public static func keys(_ word: String) -> [String] {
        guard let first = word.unicodeScalars.first else { return [] }
        // A number is itself in both scripts (`3 tabet`, ٣ طابات).
        if word.allSatisfy(\.isNumber) { return ["#" + word] }
        let sounds = TextNormalizer.isArabic(first) ? arabicSounds(word) : latinSounds(word)
        guard let sounds else { return [] }
        var keys: [String] = []
        for glides in [true, false] {
            for qaf in [true, false] {
                var key: [Character] = []
                var adjacent = false
                for sound in sounds {
                    let letter: Character?
                    switch sound {
                    case "W": letter = glides ? "w" : nil
                    case "Y": letter = glides ? "y" : nil
                    case "Q": letter = qaf ? "k" : nil
                    case "_": letter = nil
                    default: letter = sound
                    }
                    guard let letter else {
                        adjacent = false
                        continue
                    }
                    // A doubled consonant is written once (`rimmen`, رمّان), not two apart (تمام).
                    if !(adjacent && key.last == letter) { key.append(letter) }
                    adjacent = true
                }
                let text = String(key)
                if !text.isEmpty, !keys.contains(text) { keys.append(text) }
            }
        }
        return keys
    }

    /// The keys a word may be matched by: three consonants or more, or two for a word of four
    /// letters or more whose every consonant they are (`shay` شاي, `sede` سادة; not منيو's `mn`).
    /// `written` is the word as the customer wrote it when `word` is a form made from it (`kesse`
    /// from `kesset`), and `short` lets a word of three letters match by two (`moz` موز: for the
    /// few words of one item's choices).
    public static func matchingKeys(_ word: String, written: String? = nil, short: Bool = false) -> [String] {
        let keys = keys(word)
        let letters = (written ?? word).count
        let shortest = (letters >= 4 || short && letters == 3) && (keys.first?.count ?? 0) <= 2 ? 2 : 3
        return keys.filter { $0.count >= shortest }
    }

    /// The keys a phrase may be matched by (one word's as `matchingKeys`, else three or more).
    public static func matchingKeys(phrase words: [String]) -> [String] {
        words.count == 1 ? matchingKeys(words[0]) : keys(phrase: words).filter { $0.count >= 3 }
    }

    /// The keys of a phrase: every reading of its words, joined (at most `limit` of them), so that
    /// `bi 3ajin` finds بعجين and `kesset bouza` finds كاسة بوظة.
    public static func keys(phrase words: [String], limit: Int = 16) -> [String] {
        var joined = [""]
        for word in words {
            let keys = Transliteration.keys(word)
            guard !keys.isEmpty else { return [] }
            var next: [String] = []
            for prefix in joined {
                for key in keys where next.count < limit {
                    let candidate = prefix + key
                    if !next.contains(candidate) { next.append(candidate) }
                }
            }
            joined = next
        }
        return joined
    }

    /// Whether the word is written in Arabic script.
    public static func isArabicScript(_ word: some StringProtocol) -> Bool {
        word.unicodeScalars.first.map(TextNormalizer.isArabic) ?? false
    }

    private static func arabicSounds(_ word: String) -> [Character]? {
        var scalars = Array(word.unicodeScalars)
        // The article and the particles glued to it: الحمص, بالنعنع, وال…
        for prefix in ["وال", "بال", "لل", "ال"] {
            let prefixScalars = Array(prefix.unicodeScalars)
            if scalars.count >= prefixScalars.count + 3, Array(scalars.prefix(prefixScalars.count)) == prefixScalars {
                scalars = Array(scalars.prefix(prefixScalars.count - 2)) + scalars.dropFirst(prefixScalars.count)
                break
            }
        }
        // A final ة (made ه by the normalizer) is a vowel.
        if scalars.count > 2, scalars.last == "\u{0647}" { scalars.removeLast() }
        var sounds: [Character] = []
        for scalar in scalars {
            switch scalar {
            case "\u{0627}", "\u{0621}": sounds.append("_")  // ا ء: vowels
            case "\u{0628}": sounds.append("b")
            case "\u{062A}", "\u{0637}": sounds.append("t")  // ت ط
            case "\u{062B}", "\u{0633}", "\u{0635}", "\u{0632}", "\u{0638}": sounds.append("s")  // ث س ص ز ظ
            case "\u{062C}": sounds.append("j")
            case "\u{062D}", "\u{0647}": sounds.append("h")  // ح ه
            case "\u{062E}": sounds.append("x")  // خ
            case "\u{062F}", "\u{0630}", "\u{0636}": sounds.append("d")  // د ذ ض
            case "\u{0631}": sounds.append("r")
            case "\u{0634}": sounds.append("S")  // ش
            case "\u{0639}": sounds.append("3")
            case "\u{063A}": sounds.append("g")  // غ
            case "\u{0641}", "\u{06A4}": sounds.append("f")  // ف ڤ
            case "\u{0642}": sounds.append("Q")
            case "\u{0643}", "\u{06AF}": sounds.append("k")  // ك گ
            case "\u{0644}": sounds.append("l")
            case "\u{0645}": sounds.append("m")
            case "\u{0646}": sounds.append("n")
            case "\u{0648}": sounds.append("W")
            case "\u{064A}": sounds.append("Y")
            default: return nil
            }
        }
        return sounds
    }

    /// Two Latin letters for one sound: `sh`/`ch` ش, `kh` خ, `gh` غ, `th`, `dh`, `ph`.
    private static let digraphs: [String: Character] = [
        "sh": "S", "ch": "S", "kh": "x", "gh": "g", "th": "t", "dh": "d", "ph": "f",
    ]

    private static func latinSounds(_ word: String) -> [Character]? {
        let characters = Array(word)
        var sounds: [Character] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            index += 1
            if let next, let sound = digraphs[String([character, next])] {
                sounds.append(sound)
                index += 1
                continue
            }
            switch (character, next) {
            case ("a", _), ("e", _), ("i", _), ("o", _), ("u", _), ("2", _): sounds.append("_")
            case ("y", _): sounds.append("Y")
            case ("w", _): sounds.append("W")
            case ("b", _), ("p", _): sounds.append("b")
            case ("c", _), ("k", _), ("q", _): sounds.append("k")
            case ("x", _): sounds += ["k", "s"]
            case ("z", _), ("s", _), ("9", _): sounds.append("s")
            case ("v", _), ("f", _): sounds.append("f")
            case ("7", _), ("h", _): sounds.append("h")
            case ("5", _): sounds.append("x")
            case ("3", _): sounds.append("3")
            case ("8", _): sounds.append("g")
            case ("6", _), ("t", _): sounds.append("t")
            case ("d", _), ("j", _), ("g", _), ("l", _), ("m", _), ("n", _), ("r", _): sounds.append(character)
            default: return nil
            }
        }
        return sounds
    }
}
