/// JSON written exactly as PostgreSQL prints a `jsonb` value, so the configuration's side and the
/// database's side compare as plain text, with no parsing on either.
///
/// jsonb prints object keys shortest first, then by bytes; `": "` and `", "` between items; and
/// escapes only quotes, backslashes and control characters.
enum JSONBText {
    /// An object of text values.
    static func object(_ pairs: [(key: String, value: String)]) -> String {
        object(pairs.map { ($0.key, quoted($0.value)) }, raw: true)
    }

    /// An array of objects of text values.
    static func array(_ objects: [[(key: String, value: String)]]) -> String {
        "[" + objects.map { object($0) }.joined(separator: ", ") + "]"
    }

    private static func object(_ pairs: [(String, String)], raw: Bool) -> String {
        let sorted = pairs.sorted { lhs, rhs in
            let left = lhs.0.utf8.count
            let right = rhs.0.utf8.count
            return left != right ? left < right : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
        }
        return "{" + sorted.map { "\(quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func quoted(_ text: String) -> String {
        // Most text needs no escape at all: check the bytes before walking the characters.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + text + "\"" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
