import Foundation
import TalabStore

/// Writes many rows of one table at once: new rows by `COPY`; updates with every column as a
/// `text[]` parameter cast on the server to the column's own type (`unnest`), so a first apply of
/// thousands of tenants is a few dozen statements instead of hundreds of thousands.
struct BatchWriter {
    /// Rows per statement: large enough to amortise a round trip, small enough to bound memory.
    static let chunk = 5_000

    /// Each managed column's type as the catalog names it (`numeric(10,2)`, `day_of_week`), by table.
    let types: [String: [String: String]]

    static let columnTypes = PostgresStatement(
        "reconcile.column_types",
        """
        SELECT c.relname::text AS table_name, a.attname::text AS column_name,
               format_type(a.atttypid, a.atttypmod) AS type
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
        """
    )

    static func load(on connection: PostgresConnection) async throws -> BatchWriter {
        var types: [String: [String: String]] = [:]
        let tables = ConfigTable.all.map { Optional($0.name) }
        for row in try await connection.query(columnTypes, [PostgresTextArray(tables)]) {
            types[try row.decode(String.self, "table_name"), default: [:]][try row.decode(String.self, "column_name")] =
                try row.decode(String.self, "type")
        }
        return BatchWriter(types: types)
    }

    /// New rows go in by `COPY` (each value in its column's text form, read by the column type's own
    /// input function): no statement to parse, no arrays to unpack, for a first apply's 210,000.
    func insert(_ rows: [ConfigRow], into table: ConfigTable, on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        let columns = table.columns.map(\.name)
        try await connection.copy(
            into: table.name,
            columns: ["id"] + columns,
            rows: rows.lazy.map { row in [row.id.lowercasedText] + columns.map { row[$0].literal } },
            name: "reconcile.copy.\(table.name)"
        )
    }

    /// Sets every managed column from the rows (and revives soft-deleted ones).
    func update(_ rows: [ConfigRow], in table: ConfigTable, on connection: PostgresConnection) async throws {
        let names = ["id"] + table.columns.map(\.name)
        var assignments = table.columns.map { "\($0.name) = \(cast("u.\($0.name)", table, $0.name))" }
        if table.softDelete { assignments.append("deleted_at = NULL") }
        let statement = PostgresStatement(
            "reconcile.batch_update.\(table.name)",
            """
            UPDATE \(table.name) AS t SET \(assignments.joined(separator: ", "))
            FROM unnest(\(parameters(names.count))) AS u(\(names.joined(separator: ", ")))
            WHERE t.id = u.id::uuid
            """
        )
        for chunk in rows.chunked(BatchWriter.chunk) {
            try await connection.query(statement, columns(chunk, table))
        }
    }

    func delete(_ ids: [UUID], from table: ConfigTable, on connection: PostgresConnection) async throws {
        let statement = PostgresStatement(
            "reconcile.batch_delete.\(table.name)",
            table.softDelete
                ? "UPDATE \(table.name) SET deleted_at = now() WHERE id = ANY($1::uuid[])"
                : "DELETE FROM \(table.name) WHERE id = ANY($1::uuid[])"
        )
        for chunk in ids.chunked(BatchWriter.chunk) {
            try await connection.query(statement, [PostgresTextArray(chunk.map { $0.lowercasedText })])
        }
    }

    private func parameters(_ count: Int) -> String {
        (1...count).map { "$\($0)::text[]" }.joined(separator: ", ")
    }

    private func casts(_ table: ConfigTable, _ names: [String]) -> String {
        names.map { cast("u.\($0)", table, $0) }.joined(separator: ", ")
    }

    private func cast(_ expression: String, _ table: ConfigTable, _ column: String) -> String {
        "\(expression)::\(types[table.name]?[column] ?? "text")"
    }

    private func columns(_ rows: ArraySlice<ConfigRow>, _ table: ConfigTable) -> [any PostgresEncodable] {
        [PostgresTextArray(rows.map { $0.id.lowercasedText })]
            + table.columns.map { column in PostgresTextArray(rows.map { $0[column.name].literal }) }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
