public import Foundation
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
    /// A secret's plaintext, held only to compare and to seal; it prints as `(sensitive)`.
    case secret(String)
    /// JSON in jsonb's own printed form (`JSONBText`), so equal documents are equal text.
    case json(String)

    /// The value's text as PostgreSQL reads it back with a cast to the column's type; nil for NULL.
    var literal: String? {
        switch self {
        case .null: return nil
        case .text(let value), .json(let value): return value
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .decimal(let value): return value.description
        case .uuid(let value): return value.lowercasedText
        case .texts(let value): return PostgresTextArray(value.map { Optional($0) }).postgresText
        // Sealed before writing (`Reconciler.seal`); a plaintext is never written.
        case .secret: return nil
        }
    }

    public var description: String {
        switch self {
        case .null: return "(none)"
        case .text(let value): return "\"\(value)\""
        case .integer(let value): return String(value)
        case .boolean(let value): return String(value)
        case .decimal(let value): return value.description
        case .uuid(let value): return value.lowercasedText
        case .texts(let value): return "[" + value.joined(separator: ", ") + "]"
        case .json(let value): return value
        case .secret: return "(sensitive)"
        }
    }

}
