import Foundation

/// Text as the matcher compares it: lowercase, without diacritics or Arabic vowel marks, Arabic
/// letter variants folded (أ إ آ → ا, ة → ه, ى → ي, ؤ → و, ئ → ي), tatweel removed, and Arabic-Indic
/// digits (٠-٩, ۰-۹) made ASCII. Case, accents and spelling variants then never decide a match.
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x064B...0x065F, 0x0670, 0x0640: continue  // harakat, superscript alef, tatweel
            case 0x0660...0x0669: scalars.append(Unicode.Scalar(scalar.value - 0x0660 + 0x30)!)
            case 0x06F0...0x06F9: scalars.append(Unicode.Scalar(scalar.value - 0x06F0 + 0x30)!)
            case 0x0623, 0x0625, 0x0622, 0x0671: scalars.append("\u{0627}")
            case 0x0629: scalars.append("\u{0647}")
            case 0x0649, 0x0626: scalars.append("\u{064A}")
            case 0x0624: scalars.append("\u{0648}")
            case 0x060C: scalars.append(",")  // Arabic comma
            case 0x061F: scalars.append("?")
            default: scalars.append(scalar)
            }
        }
        return String(scalars).folding(
            options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive],
            locale: nil
        )
    }

    /// The words of a normalized text: runs of letters and digits; an apostrophe inside a word
    /// splits it (`s'il` → `s`, `il`), emoji and punctuation separate words.
    public static func words(_ text: String) -> [Substring] {
        text.split { character in !(character.isLetter || character.isNumber) }
    }

    /// Whether the scalar is an Arabic letter.
    public static func isArabic(_ scalar: Unicode.Scalar) -> Bool {
        (0x0600...0x06FF).contains(scalar.value) || (0x0750...0x077F).contains(scalar.value)
            || (0xFB50...0xFDFF).contains(scalar.value) || (0xFE70...0xFEFF).contains(scalar.value)
    }
}
