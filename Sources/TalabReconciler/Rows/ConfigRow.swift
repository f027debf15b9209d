public import Foundation
public import TalabCore

/// One row the configuration says should exist, or one that exists: its table, id and managed values.
public struct ConfigRow: Sendable, Hashable {
    public let table: ConfigTable
    public let id: UUID
    /// The tenant it belongs to.
    public let slug: String
    /// A name a person recognises in a plan: `item chicken-shawarma`, `opening_hours hamra/friday`.
    public let label: String
    public var values: [String: ColumnValue]
    /// Set for rows read from the database that were removed earlier.
    public var deletedAt: Date?
    /// Where the configuration wrote it; nil for rows read from the database.
    public var source: SourceLocation?

    public init(
        table: ConfigTable,
        id: UUID,
        slug: String,
        label: String,
        values: [String: ColumnValue],
        source: SourceLocation? = nil
    ) {
        self.table = table
        self.id = id
        self.slug = slug
        self.label = label
        self.values = values
        self.source = source
    }

    public subscript(column: String) -> ColumnValue { values[column] ?? .null }
}
