import Foundation
import TalabStore

/// A value of a config-owned column, compared the way the database compares it.
public enum ColumnValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int)
    case boolean(Bool)
    case decimal(Decimal)
    case uuid(UUID)
    case texts([String])
    /// JSON, kept as canonical text (sorted keys) so equal documents compare equal.
    case json(String)

    /// The value as a bound parameter; NULL and text go untyped so the column's type decides.
    var binding: any PostgresEncodable {
        switch self {
        case .null: return String?.none
        case .text(let value): return value
        case .integer(let value): return value
        case .boolean(let value): return value
        case .decimal(let value): return value
        case .uuid(let value): return value
        case .texts(let value): return value
        case .json(let value): return value
        }
    }

    /// The value's text as PostgreSQL reads it back with a cast to the column's type; nil for NULL.
    var literal: String? {
        switch self {
        case .null: return nil
        case .text(let value), .json(let value): return value
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .decimal(let value): return value.description
        case .uuid(let value): return value.uuidString.lowercased()
        case .texts(let value): return PostgresTextArray(value.map { Optional($0) }).postgresText
        }
    }

    public var description: String {
        switch self {
        case .null: return "(none)"
        case .text(let value): return "\"\(value)\""
        case .integer(let value): return String(value)
        case .boolean(let value): return String(value)
        case .decimal(let value): return value.description
        case .uuid(let value): return value.uuidString.lowercased()
        case .texts(let value): return "[" + value.joined(separator: ", ") + "]"
        case .json(let value): return value
        }
    }

    /// JSON text with sorted keys, from any `Encodable` value (the configuration's side).
    static func json<Value: Encodable>(_ value: Value) -> ColumnValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Through the same serializer as the database's side, so equal documents are equal text.
        return canonicalJSON((try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null")
    }

    /// The same canonical JSON from the text PostgreSQL returns for a jsonb column (the database's side).
    static func canonicalJSON(_ text: String) -> ColumnValue {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
            )
        else { return .json(text) }
        return .json(String(decoding: data, as: UTF8.self))
    }
}
