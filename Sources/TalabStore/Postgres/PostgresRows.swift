import CLibPQ

/// The rows a statement returned, copied out of libpq so they outlive the connection's next call.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [PostgresColumn]
    /// Rows the command touched, as libpq's `PQcmdTuples` reports (0 where it reports nothing).
    public let affectedRows: Int
    let cells: [String?]

    init(result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(
                PostgresColumn(
                    name: String(cString: PQfname(result, Int32(column))),
                    type: PostgresDataType(PQftype(result, Int32(column)))
                )
            )
        }
        var cells: [String?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    cells.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        self.columns = columns
        self.cells = cells
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(rows: self, offset: position * columns.count)
    }
}

/// A column of a result: its name and its PostgreSQL type.
public struct PostgresColumn: Sendable, Hashable {
    public let name: String
    public let type: PostgresDataType
}

/// One row of a result, decoded column by column into Swift values.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let offset: Int

    /// Decodes the named column; a NULL decodes only into an optional.
    public func decode<Value: PostgresDecodable>(
        _ type: Value.Type = Value.self,
        _ column: String
    ) throws(PostgresError) -> Value {
        // A linear search: results have a handful of columns, and a dictionary per result costs more.
        guard let position = rows.columns.firstIndex(where: { $0.name == column }) else {
            throw PostgresError(
                .noSuchColumn,
                "the result has no column \"\(column)\" (it has \(rows.columns.map(\.name).joined(separator: ", ")))"
            )
        }
        return try decode(type, at: position)
    }

    /// Decodes the column at a 0-based position.
    public func decode<Value: PostgresDecodable>(
        _ type: Value.Type = Value.self,
        at position: Int
    ) throws(PostgresError) -> Value {
        guard rows.columns.indices.contains(position) else {
            throw PostgresError(.noSuchColumn, "the result has no column at position \(position)")
        }
        let column = rows.columns[position]
        guard Value.accepts(column.type) else {
            throw PostgresError(
                .typeMismatch,
                "column \"\(column.name)\" is \(column.type), which cannot decode as \(Value.self)"
            )
        }
        guard let text = rows.cells[offset + position] else {
            guard let null = Value.postgresNull else {
                throw PostgresError(
                    .typeMismatch,
                    "column \"\(column.name)\" is NULL, which cannot decode as \(Value.self); decode an optional"
                )
            }
            return null
        }
        do {
            return try Value(postgresText: text, type: column.type)
        } catch {
            throw PostgresError(.decoding, "column \"\(column.name)\" (\(column.type)): \(error.reason)")
        }
    }
}
