/// A position in a file, 1-based, as editors show it. Columns count characters, not bytes.
public struct SourceMark: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceMark, rhs: SourceMark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A node of a YAML document with the position where it starts.
///
/// Scalars keep their text and whether they were written plain (unquoted): types are decided later
/// by the schema, so `no` stays a string where a string is expected, and `"08:00"` and `08:00` are
/// the same time.
public struct YAMLNode: Sendable {
    public indirect enum Kind: Sendable {
        case scalar(String, plain: Bool)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }

    public let kind: Kind
    public let mark: SourceMark

    public init(_ kind: Kind, at mark: SourceMark) {
        self.kind = kind
        self.mark = mark
    }

    /// YAML's null: an empty plain scalar, `~`, or `null` in any of its spellings.
    public var isNull: Bool {
        guard case .scalar(let text, plain: true) = kind else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// A short name of the node's kind for error messages: "a mapping", "a list", "text".
    public var kindDescription: String {
        switch kind {
        case .scalar: return isNull ? "nothing (null)" : "a single value"
        case .mapping: return "a mapping of keys to values"
        case .sequence: return "a list"
        }
    }
}

/// A key and its value in a YAML mapping.
public struct YAMLPair: Sendable {
    public let key: YAMLNode
    public let value: YAMLNode
}
