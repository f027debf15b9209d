import TalabStore

/// New rows' foreign keys checked once per key over all the rows, instead of once per row.
///
/// PostgreSQL checks each inserted row's foreign keys with a query and a row lock on the parent:
/// measured, two thirds of an option row's cost, and half of a first apply's writing. When the role
/// may (a superuser, or `GRANT SET ON PARAMETER session_replication_role`) and the only triggers
/// that fire on inserting into the tables are foreign keys' checks (or `ENABLE ALWAYS` ones), new rows
/// go in with those checks off for this transaction (`session_replication_role = replica`). Then
/// every foreign key of every table written is checked over the new rows by one statement, which
/// locks the parents as the row checks would (`FOR KEY SHARE`), and the checks are turned back on
/// before anything else is written. A violation fails the apply as the row check would have
/// (SQLSTATE 23503, the constraint named); a migration adding a trigger that fires on insert turns the
/// row checks back on by itself.
struct ReferenceCheck: Sendable {
    struct ForeignKey: Sendable {
        let name: String
        /// The referencing table and columns, and the referenced ones, quoted as identifiers.
        let table: String
        let columns: [String]
        let parent: String
        let parentColumns: [String]
        /// The catalog's unquoted names, for the error.
        let displayTable: String
        let displayParent: String
    }

    /// The foreign keys of each managed table, by table name.
    let keys: [String: [ForeignKey]]

    static let foreignKeys = PostgresStatement(
        "reconcile.foreign_keys",
        """
        SELECT c.conname::text AS name, k.relname::text AS table_name, c.conrelid::regclass::text AS table_sql,
               p.relname::text AS parent_name, c.confrelid::regclass::text AS parent_sql,
               ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY AS u(attnum, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.attnum ORDER BY u.n) AS columns,
               ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY AS u(attnum, n)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = u.attnum ORDER BY u.n)
                 AS parent_columns
        FROM pg_constraint c JOIN pg_class k ON k.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid
        WHERE c.contype = 'f' AND c.conrelid = ANY ($1::text[]::regclass[])
        ORDER BY c.conname
        """
    )

    /// Turns the row checks off for the rest of the transaction when that is allowed and safe (see
    /// the type); answers `replica` then, NULL otherwise.
    static let skipRowChecks = PostgresStatement(
        "reconcile.skip_row_checks",
        """
        SELECT CASE WHEN current_setting('session_replication_role') = 'origin'
            AND has_parameter_privilege('session_replication_role', 'SET')
            AND NOT EXISTS (
                SELECT 1 FROM pg_trigger t LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint
                WHERE t.tgrelid = ANY ($1::text[]::regclass[]) AND t.tgtype & 4 <> 0 AND t.tgenabled = 'O'
                  AND NOT (t.tgisinternal AND c.contype = 'f' AND c.confmatchtype = 's'))
        THEN set_config('session_replication_role', 'replica', true) END AS mode
        """
    )
    static let restoreRowChecks = PostgresStatement(
        "reconcile.restore_row_checks",
        "SELECT set_config('session_replication_role', 'origin', true) AS mode"
    )

    static func load(on connection: PostgresConnection) async throws -> ReferenceCheck {
        let tables = ConfigTable.all.map { Optional($0.name) }
        var keys: [String: [ForeignKey]] = [:]
        for row in try await connection.query(foreignKeys, [PostgresTextArray(tables)]) {
            let key = ForeignKey(
                name: try row.decode(String.self, "name"),
                table: try row.decode(String.self, "table_sql"),
                columns: try row.decode([String].self, "columns"),
                parent: try row.decode(String.self, "parent_sql"),
                parentColumns: try row.decode([String].self, "parent_columns"),
                displayTable: try row.decode(String.self, "table_name"),
                displayParent: try row.decode(String.self, "parent_name")
            )
            keys[key.displayTable, default: []].append(key)
        }
        return ReferenceCheck(keys: keys)
    }

    /// Turns the row checks off for inserting into `tables`, when allowed and safe; whether it did.
    func skipRowChecks(inserting tables: [String], on connection: PostgresConnection) async throws -> Bool {
        let mode = try await connection.query(
            ReferenceCheck.skipRowChecks,
            [PostgresTextArray(tables.map { Optional($0) })]
        )
        return try mode[0].decode(String?.self, "mode") != nil
    }

    /// Checks every foreign key of the new rows (by table, how many were inserted) in one round
    /// trip, locking the parents they name that this transaction did not write, then turns the row
    /// checks back on.
    func check(_ inserted: [String: Int], on connection: PostgresConnection) async throws {
        var checked: [(table: String, count: Int, keys: [ForeignKey])] = []
        var statements: [(PostgresStatement, [any PostgresEncodable])] = []
        for (table, count) in inserted.sorted(by: { $0.key < $1.key }) {
            guard let keys = keys[table], !keys.isEmpty else { continue }
            checked.append((table, count, keys))
            statements.append((statement(table, keys), []))
        }
        statements.append((ReferenceCheck.restoreRowChecks, []))
        let results = try await connection.pipeline(statements)
        for (table, results) in zip(checked, results) {
            let row = results[0]
            let found = try row.decode(Int.self, "new_rows")
            guard found == table.count else {
                // Rows written in a subtransaction carry another id: refuse rather than check part.
                throw ReconcileError(
                    code: .uncheckedRows,
                    message:
                        "\(table.count) rows were inserted into \(table.table), \(found) found as this transaction's"
                )
            }
            for (index, key) in table.keys.enumerated() {
                let missing = try row.decode(Int.self, "missing_\(index)")
                guard missing > 0 else { continue }
                throw PostgresError(
                    .server,
                    "insert or update on table \"\(key.displayTable)\" violates foreign key constraint \"\(key.name)\": "
                        + "\(missing) key\(missing == 1 ? "" : "s") not present in table \"\(key.displayParent)\"",
                    sqlState: "23503",
                    statement: "reconcile.check.\(table.table)",
                    constraint: key.name
                )
            }
        }
    }

    /// One statement for all of a table's foreign keys. The new rows are those whose `xmin` is this
    /// transaction's (a scan, no list of ids to send and plan), counted against the rows inserted.
    /// For each key: the distinct keys they name (MATCH SIMPLE: one with a NULL column names
    /// nothing), less the parents this transaction wrote (no other can remove those before it
    /// commits), less the other parents found and locked (`FOR KEY SHARE`, as the row check locks).
    private func statement(_ table: String, _ keys: [ForeignKey]) -> PostgresStatement {
        let mine = "pg_current_xact_id()::xid"
        let columns = Set(keys.flatMap(\.columns)).sorted()
        var ctes = [
            "new AS MATERIALIZED (SELECT \(columns.map { "c.\($0)" }.joined(separator: ", ")) FROM \(keys[0].table) c "
                + "WHERE c.xmin = \(mine))"
        ]
        var counts = ["(SELECT count(*) FROM new)::int AS new_rows"]
        for (index, key) in keys.enumerated() {
            let named = key.columns.map { "c.\($0)" }.joined(separator: ", ")
            let parentColumns = key.parentColumns.map { "p.\($0)" }.joined(separator: ", ")
            let parent = "(\(parentColumns))"
            let plain = key.parentColumns.joined(separator: ", ")
            ctes += [
                "w\(index) AS MATERIALIZED (SELECT DISTINCT \(named) FROM new c WHERE "
                    + key.columns.map { "c.\($0) IS NOT NULL" }.joined(separator: " AND ") + ")",
                "p\(index) AS MATERIALIZED (SELECT \(parentColumns), p.xmin = \(mine) AS ours "
                    + "FROM \(key.parent) p WHERE \(parent) IN (SELECT * FROM w\(index)))",
                "l\(index) AS (SELECT 1 FROM \(key.parent) p WHERE \(parent) IN "
                    + "(SELECT \(plain) FROM p\(index) WHERE NOT ours) FOR KEY SHARE OF p)",
            ]
            counts.append(
                "((SELECT count(*) FROM w\(index)) - (SELECT count(*) FROM p\(index) WHERE ours) "
                    + "- (SELECT count(*) FROM l\(index)))::int AS missing_\(index)"
            )
        }
        return PostgresStatement(
            "reconcile.check.\(table)",
            "WITH " + ctes.joined(separator: ",\n") + "\nSELECT " + counts.joined(separator: ", ")
        )
    }
}
