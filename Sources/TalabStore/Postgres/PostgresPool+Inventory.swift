extension PostgresPool {
    /// A table of the `public` schema and how many rows it holds right now.
    public struct TableSize: Sendable, Hashable {
        public let name: String
        public let rows: Int
    }

    static let tableSizes = PostgresStatement(
        "inventory.table_sizes",
        """
        SELECT table_name::text AS name,
               (xpath('/row/n/text()',
                      query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), false, true, '')))[1]
                   ::text::bigint AS rows
        FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        ORDER BY table_name
        """,
        prepared: false
    )

    /// Every table of the `public` schema with its exact row count, by name.
    public func tableSizes() async throws -> [TableSize] {
        try await query(PostgresPool.tableSizes).map { row in
            TableSize(name: try row.decode(String.self, "name"), rows: try row.decode(Int.self, "rows"))
        }
    }
}
