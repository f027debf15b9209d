public import Foundation
public import TalabStore

/// The config-owned rows the database holds now for some businesses, deleted ones included.
public enum ActualState {
    /// Every managed row of these businesses, by id.
    public static func rows(
        on connection: PostgresConnection,
        businesses: [UUID: String]
    ) async throws -> [UUID: ConfigRow] {
        var rows: [UUID: ConfigRow] = [:]
        let ids = businesses.keys.map { $0.lowercasedText }
        for table in ConfigTable.all {
            let result = try await connection.query(select(table), [ids])
            for row in result {
                // By position: id, the business, the managed columns in order, then deleted_at.
                let id = try row.decode(UUID.self, at: 0)
                let businessID = try row.decode(UUID.self, at: 1)
                var values: [String: ColumnValue] = [:]
                values.reserveCapacity(table.columns.count)
                for (offset, column) in table.columns.enumerated() {
                    values[column.name] = try value(row, column, at: offset + 2)
                }
                let key = values["key"].flatMap { value -> String? in
                    if case .text(let text) = value { return text }
                    return nil
                }
                var configRow = ConfigRow(
                    table: table,
                    id: id,
                    slug: businesses[businessID] ?? "",
                    label: "\(table.entity) \(key ?? id.lowercasedText)",
                    values: values
                )
                if table.softDelete { configRow.deletedAt = try row.decode(Date?.self, at: table.columns.count + 2) }
                rows[id] = configRow
            }
        }
        return rows
    }

    static func select(_ table: ConfigTable) -> PostgresStatement {
        let columns = table.columns.map { column -> String in
            switch column.kind {
            case .enumText, .json: return "t.\(column.name)::text"
            case .time: return "to_char(t.\(column.name), 'HH24:MI')"
            case .date: return "to_char(t.\(column.name), 'YYYY-MM-DD')"
            default: return "t.\(column.name)"
            }
        }
        let deleted = table.softDelete ? ", t.deleted_at" : ""
        // A join on the unnested ids lets the server hash them instead of scanning the array per row.
        return PostgresStatement(
            "reconcile.read.\(table.name)",
            """
            SELECT t.id, b.id, \(columns.joined(separator: ", "))\(deleted)
            FROM \(table.name) t \(table.parentJoin)
            JOIN unnest($1::uuid[]) AS b(id) ON b.id = \(table.businessColumn)
            """
        )
    }

    static func value(_ row: PostgresRow, _ column: ConfigTable.Column, at position: Int) throws -> ColumnValue {
        switch column.kind {
        case .text, .enumText, .time, .date, .secret:
            return try row.decode(String?.self, at: position).map(ColumnValue.text) ?? .null
        case .json:
            return try row.decode(String?.self, at: position).map(ColumnValue.json) ?? .null
        case .integer:
            return try row.decode(Int?.self, at: position).map(ColumnValue.integer) ?? .null
        case .boolean:
            return try row.decode(Bool?.self, at: position).map(ColumnValue.boolean) ?? .null
        case .decimal:
            return try row.decode(Decimal?.self, at: position).map(ColumnValue.decimal) ?? .null
        case .uuid:
            return try row.decode(UUID?.self, at: position).map(ColumnValue.uuid) ?? .null
        case .texts:
            return try row.decode([String]?.self, at: position).map(ColumnValue.texts) ?? .null
        }
    }
}
