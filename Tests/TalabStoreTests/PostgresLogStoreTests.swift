import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// The history's PostgreSQL backend: the shared conformance cases, and append-only by the database.
@Suite struct PostgresLogStoreTests {
    static func store() async throws -> PostgresLogStore {
        PostgresLogStore(pool: PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2))
    }

    @Test func appendingAnIDAgainWritesNothing() async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        try await LogStoreConformance.appendingAnIDAgainWritesNothing(store)
    }

    @Test func documentsAreReadBackByIDInTheirCollectionOnly() async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        try await LogStoreConformance.documentsAreReadBackByIDInTheirCollectionOnly(store)
    }

    @Test func queriesPageNewestFirstWithoutGapsOrRepeats() async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        try await LogStoreConformance.queriesPageNewestFirstWithoutGapsOrRepeats(store)
    }

    @Test func rangesAreHalfOpen() async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        try await LogStoreConformance.rangesAreHalfOpen(store)
    }

    @Test func badInputIsRefusedAndNothingOfTheBatchIsWritten() async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        try await LogStoreConformance.badInputIsRefusedAndNothingOfTheBatchIsWritten(store)
    }

    @Test(arguments: LogCollection.allCases)
    func theDatabaseRefusesChangingOrRemovingHistory(_ collection: LogCollection) async throws {
        let store = try await PostgresLogStoreTests.store()
        defer { store.pool.close() }
        let document = LogDocument(id: UUID(), business: UUID(), at: Date(), body: #"{"kept":true}"#)
        _ = try await store.append([document], to: collection)
        for (name, sql) in [
            ("update", "UPDATE history.\(collection.rawValue) SET body = '{}'"),
            ("delete", "DELETE FROM history.\(collection.rawValue)"),
            ("truncate", "TRUNCATE history.\(collection.rawValue)"),
        ] {
            let error = await #expect(throws: PostgresError.self) {
                try await store.pool.query(PostgresStatement("test.history.\(name)", sql, prepared: false))
            }
            #expect(error?.sqlState == "42501", "\(name)")
        }
        #expect(
            LogStoreConformance.sameJSON(
                try #require(await store.document(document.id, in: collection)).body,
                document.body
            )
        )
    }
}
