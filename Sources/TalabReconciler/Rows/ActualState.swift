import Foundation
import TalabStore

/// The config-owned rows the database holds now for some businesses, deleted ones included.
public enum ActualState {
    /// Every managed row of these businesses, by id.
    public static func rows(
        on connection: PostgresConnection,
        businesses: [UUID: String]
    ) async throws -> [UUID: ConfigRow] {
        var rows: [UUID: ConfigRow] = [:]
        let ids = businesses.keys.map { $0.uuidString.lowercased() }
        for table in ConfigTable.all {
            let result = try await connection.query(select(table), [ids])
            for row in result {
                let id = try row.decode(UUID.self, "id")
                let businessID = try row.decode(UUID.self, "_business_id")
                var values: [String: ColumnValue] = [:]
                for column in table.columns {
                    values[column.name] = try value(row, column)
                }
                let key = values["key"].flatMap { value -> String? in
                    if case .text(let text) = value { return text }
                    return nil
                }
                var configRow = ConfigRow(
                    table: table,
                    id: id,
                    slug: businesses[businessID] ?? "",
                    label: "\(table.entity) \(key ?? id.uuidString.lowercased())",
                    values: values
                )
                if table.softDelete { configRow.deletedAt = try row.decode(Date?.self, "deleted_at") }
                rows[id] = configRow
            }
        }
        return rows
    }

    static func select(_ table: ConfigTable) -> PostgresStatement {
        let columns = table.columns.map { column -> String in
            switch column.kind {
            case .enumText, .json: return "\(column.name)::text AS \(column.name)"
            case .time: return "to_char(\(column.name), 'HH24:MI') AS \(column.name)"
            case .date: return "to_char(\(column.name), 'YYYY-MM-DD') AS \(column.name)"
            default: return column.name
            }
        }
        let deleted = table.softDelete ? ", deleted_at" : ""
        return PostgresStatement(
            "reconcile.read.\(table.name)",
            """
            SELECT id, \(table.businessExpression) AS _business_id, \(columns.joined(separator: ", "))\(deleted)
            FROM \(table.name) WHERE \(table.businessExpression) = ANY($1::uuid[])
            """
        )
    }

    static func value(_ row: PostgresRow, _ column: ConfigTable.Column) throws -> ColumnValue {
        switch column.kind {
        case .text, .enumText, .time, .date:
            return try row.decode(String?.self, column.name).map(ColumnValue.text) ?? .null
        case .json:
            return try row.decode(String?.self, column.name).map(ColumnValue.json) ?? .null
        case .integer:
            return try row.decode(Int?.self, column.name).map(ColumnValue.integer) ?? .null
        case .boolean:
            return try row.decode(Bool?.self, column.name).map(ColumnValue.boolean) ?? .null
        case .decimal:
            return try row.decode(Decimal?.self, column.name).map(ColumnValue.decimal) ?? .null
        case .uuid:
            return try row.decode(UUID?.self, column.name).map(ColumnValue.uuid) ?? .null
        case .texts:
            return try row.decode([String]?.self, column.name).map(ColumnValue.texts) ?? .null
        }
    }
}
