import Foundation

/// Every sentence a customer reads, per language, from `Resources/Strings/<language>.json`; none
/// lives in code. Placeholders are `{name}`; a key missing in a language falls back to English.
public struct Phrasebook: Sendable {
    public let tables: [Language: [String: String]]

    /// The tables shipped with Talab.
    public static let shipped: Phrasebook = {
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            guard
                let url = Bundle.module.url(
                    forResource: language.rawValue,
                    withExtension: "json",
                    subdirectory: "Strings"
                )
                    ?? Bundle.module.url(forResource: language.rawValue, withExtension: "json"),
                let data = try? Data(contentsOf: url),
                let table = try? JSONDecoder().decode([String: String].self, from: data)
            else { continue }
            tables[language] = table
        }
        return Phrasebook(tables: tables)
    }()

    public init(tables: [Language: [String: String]]) { self.tables = tables }

    /// The sentence for `key` in `language` with its placeholders filled; the key itself if no table has it.
    public func text(_ key: String, in language: Language, _ values: [String: String] = [:]) -> String {
        var text = tables[language]?[key] ?? tables[.english]?[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The placeholders of a template: `{item}` → `item`.
    public static func placeholders(_ template: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
