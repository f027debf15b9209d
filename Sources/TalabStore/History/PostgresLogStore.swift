public import Foundation

/// The history in PostgreSQL (schema `history`, migration 0015): JSONB documents in a table per
/// collection, append-only by trigger, queried through an index on (business, time, id).
public struct PostgresLogStore: LogStore {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// The statements of one collection (table names cannot be parameters; these are fixed).
    struct Statements {
        let append: PostgresStatement
        let byID: PostgresStatement
        let query: PostgresStatement

        init(_ collection: LogCollection) {
            let table = "history.\(collection.rawValue)"
            append = PostgresStatement(
                "history.append.\(collection.rawValue)",
                named: """
                    INSERT INTO \(table) (id, business_id, at, body)
                    SELECT * FROM unnest(:ids::text[]::uuid[], :businesses::text[]::uuid[],
                                         :times::text[]::timestamptz[], :bodies::text[]::jsonb[])
                    ON CONFLICT (id) DO NOTHING
                    RETURNING id
                    """
            )
            byID = PostgresStatement(
                "history.get.\(collection.rawValue)",
                "SELECT id, business_id, at, body::text AS body FROM \(table) WHERE id = $1"
            )
            query = PostgresStatement(
                "history.query.\(collection.rawValue)",
                named: """
                    SELECT id, business_id, at, body::text AS body FROM \(table)
                    WHERE business_id = :business
                      AND (:from::timestamptz IS NULL OR at >= :from)
                      AND (:until::timestamptz IS NULL OR at < :until)
                      AND (:after_at::timestamptz IS NULL OR (at, id) < (:after_at, :after_id::uuid))
                    ORDER BY at DESC, id DESC
                    LIMIT :limit
                    """
            )
        }
    }

    static let statements = Dictionary(uniqueKeysWithValues: LogCollection.allCases.map { ($0, Statements($0)) })

    public func append(_ documents: [LogDocument], to collection: LogCollection) async throws -> AppendResult {
        let (unique, repeated) = try LogStoreRules.check(documents)
        guard !unique.isEmpty else { return AppendResult(alreadyThere: repeated) }
        let rows = try await pool.withConnection { connection in
            try await PostgresLogStore.append(unique, to: collection, on: connection)
        }
        return AppendResult(
            appended: unique.map(\.id).filter(rows.contains),
            alreadyThere: unique.map(\.id).filter { !rows.contains($0) } + repeated
        )
    }

    /// Appends in the caller's transaction (the archiver's, with the deletes that follow); returns
    /// the ids written.
    public static func append(
        _ documents: [LogDocument],
        to collection: LogCollection,
        on connection: PostgresConnection
    ) async throws -> Set<UUID> {
        let statement = statements[collection]!.append
        let rows = try await connection.query(
            statement,
            [
                "ids": PostgresTextArray(documents.map { $0.id.uuidString }),
                "businesses": PostgresTextArray(documents.map { $0.business.uuidString }),
                "times": PostgresTextArray(documents.map { $0.at.postgresText }),
                "bodies": PostgresTextArray(documents.map(\.body)),
            ]
        )
        return Set(try rows.map { try $0.decode(UUID.self, "id") })
    }

    public func document(_ id: UUID, in collection: LogCollection) async throws -> LogDocument? {
        try await pool.query(PostgresLogStore.statements[collection]!.byID, [id]).first.map(PostgresLogStore.document)
    }

    public func query(_ query: LogQuery, in collection: LogCollection) async throws -> LogPage {
        try LogStoreRules.check(query)
        let rows = try await pool.query(
            PostgresLogStore.statements[collection]!.query,
            [
                "business": query.business, "from": query.from, "until": query.until,
                "after_at": query.after?.date, "after_id": query.after?.id, "limit": query.limit + 1,
            ]
        )
        var documents = try rows.map(PostgresLogStore.document)
        let more = documents.count > query.limit
        if more { documents.removeLast() }
        return LogPage(documents: documents, next: more ? documents.last.map(LogCursor.init(after:)) : nil)
    }

    static func document(_ row: PostgresRow) throws -> LogDocument {
        LogDocument(
            id: try row.decode(UUID.self, "id"),
            business: try row.decode(UUID.self, "business_id"),
            at: try row.decode(Date.self, "at"),
            body: try row.decode(String.self, "body")
        )
    }
}
