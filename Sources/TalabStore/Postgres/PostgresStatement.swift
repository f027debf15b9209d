/// A SQL statement with a name, declared once as a constant beside the code that runs it.
///
/// Parameters are always bound, never spliced into the text: by position (`$1`, `$2`, …), or by
/// name (`:business`, declared with `named:`) for a statement with more than a few, bound from
/// `PostgresBindings`. The name appears in errors instead of the values, and names the
/// server-side prepared statement.
public struct PostgresStatement: Sendable, Hashable {
    public let name: String
    public let sql: String
    /// Whether to prepare it once per connection and reuse it (true for anything run often).
    public let prepared: Bool
    /// The names of a statement declared with `named:`, in the order of their `$n`; nil otherwise.
    public let parameterNames: [String]?

    public init(_ name: String, _ sql: String, prepared: Bool = true) {
        self.name = name
        self.sql = sql
        self.prepared = prepared
        self.parameterNames = nil
    }

    /// A statement whose parameters are named `:name` in its text: each name becomes `$n` (one
    /// number per name, however often it is used). A `::type` cast, string literals, quoted
    /// identifiers and comments are left alone.
    public init(_ name: String, named sql: String, prepared: Bool = true) {
        let (text, names) = PostgresStatement.numbering(sql)
        self.name = name
        self.sql = text
        self.prepared = prepared
        self.parameterNames = names
    }

    /// The text with `:name` replaced by `$n`, and the names in the order of their numbers.
    static func numbering(_ sql: String) -> (String, [String]) {
        let characters = Array(sql.unicodeScalars)
        var names: [String] = []
        var output = String.UnicodeScalarView()
        var index = 0
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
        func isNamePart(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                // A literal or a quoted identifier, copied whole (a doubled quote stays inside).
                output.append(character)
                index += 1
                while index < characters.count {
                    output.append(characters[index])
                    index += 1
                    if characters[index - 1] == character {
                        if index < characters.count && characters[index] == character {
                            output.append(characters[index])
                            index += 1
                        } else {
                            break
                        }
                    }
                }
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count && characters[index] != "\n" {
                    output.append(characters[index])
                    index += 1
                }
            case ":" where index + 1 < characters.count && characters[index + 1] == ":":
                output.append(contentsOf: "::".unicodeScalars)
                index += 2
            case ":" where index + 1 < characters.count && isNameStart(characters[index + 1]):
                var end = index + 1
                while end < characters.count && isNamePart(characters[end]) { end += 1 }
                let parameter = String(String.UnicodeScalarView(characters[(index + 1)..<end]))
                let number = (names.firstIndex(of: parameter) ?? names.count) + 1
                if number > names.count { names.append(parameter) }
                output.append(contentsOf: "$\(number)".unicodeScalars)
                index = end
            default:
                output.append(character)
                index += 1
            }
        }
        return (String(output), names)
    }
}

/// The values of a named statement's parameters, by name: `["business": id, "text": nil as String?]`.
public struct PostgresBindings: Sendable, ExpressibleByDictionaryLiteral {
    var values: [String: any PostgresEncodable]

    public init(dictionaryLiteral elements: (String, any PostgresEncodable)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The values in the statement's order; a name the statement uses and nobody bound, or one
    /// bound that it does not use (a typo on either side), is an error before anything is sent.
    func ordered(for statement: PostgresStatement) throws(PostgresError) -> [any PostgresEncodable] {
        guard let names = statement.parameterNames else {
            throw PostgresError(.binding, "it numbers its parameters; bind them in order", statement: statement.name)
        }
        let unbound = names.filter { values[$0] == nil }
        let unused = values.keys.filter { !names.contains($0) }.sorted()
        guard unbound.isEmpty && unused.isEmpty else {
            var problems: [String] = []
            if !unbound.isEmpty { problems.append("not bound: " + unbound.joined(separator: ", ")) }
            if !unused.isEmpty { problems.append("not in the statement: " + unused.joined(separator: ", ")) }
            throw PostgresError(.binding, problems.joined(separator: "; "), statement: statement.name)
        }
        return names.map { values[$0]! }
    }
}

/// A statement with its parameters encoded as text, as it travels in a pipeline.
struct BoundStatement: Sendable {
    let statement: PostgresStatement
    let values: [String?]
    let types: [UInt32]

    init(_ statement: PostgresStatement, _ bindings: [any PostgresEncodable]) {
        self.statement = statement
        self.values = bindings.map(\.postgresText)
        self.types = bindings.map { type(of: $0).postgresDataType.oid }
    }
}
