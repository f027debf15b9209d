import Foundation
import Synchronization
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// Finished orders leave the live tables for the history: whole, once, whatever stops the archiver.
@Suite struct OrderArchiverTests {
    static func count(_ database: CatalogDatabase, _ table: String) async throws -> Int {
        try await database.count("SELECT count(*)::int FROM \(table)")
    }

    /// "The same again" after the archive: each customer's last completed order's lines stay live.
    @Test func theLastCompletedOrderOfACustomerOutlivesTheArchive() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        func last() async throws -> [String] {
            try await database.pool.withConnection { connection in
                try await OrderStore.lastOrderLines(
                    business: placement.businessID,
                    phone: placement.customerPhone,
                    userID: nil,
                    on: connection
                ).map { "\($0.quantity) \($0.item) \($0.options.joined(separator: ","))" }
            }
        }
        let expected = cart.lines.map { line in
            "\(line.quantity) \(line.itemKey) \(line.options.map(\.key).sorted().joined(separator: ","))"
        }
        let completed = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 50)
        // Cancelled after it: never repeated.
        _ = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 26)
        let live = try await last()
        #expect(live == expected)
        #expect(
            try await OrderArchiver(pool: database.pool, store: PostgresLogStore(pool: database.pool)).archiveAll()
                .archived == 2
        )
        #expect(try await OrderArchiverTests.count(database, "orders") == 0)
        let remembered = try await last()
        #expect(remembered == expected)
        #expect(
            try await database.count("SELECT count(*)::int FROM customer_last_orders WHERE order_id = '\(completed)'")
                == 1
        )

        // A later order of one fattoush, archived in its turn, is the one repeated now.
        var fattoush = Cart(currency: cart.currency)
        fattoush.add(try #require(cart.lines.first { $0.itemKey == "fattoush" }))
        _ = try await ExampleOrder.finished(store, placement, fattoush, to: .completed, hoursAgo: 25)
        #expect(
            try await OrderArchiver(pool: database.pool, store: PostgresLogStore(pool: database.pool)).archiveAll()
                .archived == 1
        )
        #expect(try await last() == ["1 fattoush "])
        #expect(try await OrderArchiverTests.count(database, "customer_last_orders") == 1)
        // Another customer has none.
        let other = try await database.pool.withConnection { connection in
            try await OrderStore.lastOrderLines(
                business: placement.businessID,
                phone: "96171999999",
                userID: nil,
                on: connection
            )
        }
        #expect(other.isEmpty)
    }

    @Test func aFinishedOrderBecomesOneWholeDocumentAndOnlyItsRowsGo() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        let history = PostgresLogStore(pool: database.pool)
        let completed = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 25)
        let cancelled = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 30)
        let ready = try await ExampleOrder.finished(store, placement, cart, to: .ready, hoursAgo: 48)
        let recent = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 2)
        let locations = try await OrderArchiverTests.count(database, "locations")
        let archiver = OrderArchiver(pool: database.pool, store: history)
        #expect(try await archiver.countDue() == 2)

        let progress = try await archiver.archiveAll()
        #expect(progress.archived == 2 && progress.resumed == 0)
        let orders = try await database.pool.query(
            PostgresStatement("test.left", "SELECT id FROM orders", prepared: false)
        )
        #expect(Set(try orders.map { try $0.decode(UUID.self, "id") }) == [ready, recent])
        for table in ["order_items", "order_status_history", "order_item_options"] {
            // What is left belongs to the two live orders only.
            let left = try await database.count(
                table == "order_item_options"
                    ? "SELECT count(*)::int FROM order_item_options p JOIN order_items i ON i.id = p.order_item_id WHERE i.order_id NOT IN ('\(ready)', '\(recent)')"
                    : "SELECT count(*)::int FROM \(table) WHERE order_id NOT IN ('\(ready)', '\(recent)')"
            )
            #expect(left == 0, "\(table)")
        }
        #expect(try await OrderArchiverTests.count(database, "locations") == locations)

        let document = try #require(await history.document(completed, in: .orderLogs))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(document.body.utf8)) as? [String: Any])
        let order = try #require(body["order"] as? [String: Any])
        #expect(order["status"] as? String == "completed" && order["total"] as? String == "\(cart.subtotal.amount + 1)")
        #expect(order["language"] as? String == "arabizi" && order["delivery_type"] as? String == "delivery")
        let items = try #require(body["items"] as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == ["Chicken Shawarma", "Fattoush"])
        let options = try #require(items.first?["options"] as? [[String: Any]])
        #expect(options.compactMap { $0["name"] as? String }.sorted() == ["Large", "No garlic"])
        let timeline = try #require(body["timeline"] as? [[String: Any]])
        #expect(timeline.map { $0["status"] as? String } == ["pending", "accepted", "preparing", "ready", "completed"])
        #expect((body["customer"] as? [String: Any])?["phone_number"] as? String == "96170000123")
        #expect((body["delivery_address"] as? [String: Any])?["notes"] as? String == "Hamra, near the AUB gate")
        #expect(body["archived_at"] is String && document.business == placement.businessID)
        #expect(try await history.document(cancelled, in: .orderLogs) != nil)
        #expect(try await history.document(ready, in: .orderLogs) == nil)
        // Nothing is due now: a rerun does nothing.
        #expect(try await archiver.archiveAll() == OrderArchiver.Progress())
    }

    /// A store that writes the documents, then fails as a process killed before its delete would.
    struct StopsAfterAppend: LogStore {
        let store: PostgresLogStore
        struct Killed: Error {}

        func append(_ documents: [LogDocument], to collection: LogCollection) async throws -> AppendResult {
            _ = try await store.append(documents, to: collection)
            throw Killed()
        }
        func document(_ id: UUID, in collection: LogCollection) async throws -> LogDocument? {
            try await store.document(id, in: collection)
        }
        func query(_ query: LogQuery, in collection: LogCollection) async throws -> LogPage {
            try await store.query(query, in: collection)
        }
    }

    @Test func aStopBetweenAppendAndDeleteLosesNothingAndTheRerunDoublesNothing() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        // The history in another database: its append is not part of the archiver's transaction.
        let elsewhere = PostgresLogStore(
            pool: PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        )
        defer { elsewhere.pool.close() }
        let ids = try await (0..<3).asyncMap { _ in
            try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 26)
        }
        await #expect(throws: StopsAfterAppend.Killed.self) {
            try await OrderArchiver(pool: database.pool, store: StopsAfterAppend(store: elsewhere)).archiveAll()
        }
        #expect(try await OrderArchiverTests.count(database, "orders") == 3)
        #expect(try await elsewhere.all(LogQuery(business: placement.businessID), in: .orderLogs).count == 3)
        let rerun = try await OrderArchiver(pool: database.pool, store: elsewhere).archiveAll()
        #expect(rerun.archived == 3 && rerun.resumed == 3)
        #expect(try await OrderArchiverTests.count(database, "orders") == 0)
        let documents = try await elsewhere.all(LogQuery(business: placement.businessID), in: .orderLogs)
        #expect(documents.count == 3 && Set(documents.map(\.id)) == Set(ids))
    }

    @Test func twoArchiversAtOnceShareTheWorkAndArchiveEachOrderOnce() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        for _ in 0..<60 {
            _ = try await ExampleOrder.finished(store, placement, cart, to: .cancelled, hoursAgo: 40)
        }
        let history = PostgresLogStore(pool: database.pool)
        // One archiver running two batches side by side, and another beside it.
        async let first = OrderArchiver(pool: database.pool, store: history, batch: 7).archiveAll(parallel: 2)
        async let second = OrderArchiver(pool: database.pool, store: history, batch: 7).archiveAll()
        let (a, b) = try await (first, second)
        #expect(a.archived + b.archived == 60 && a.resumed + b.resumed == 0)
        #expect(try await OrderArchiverTests.count(database, "orders") == 0)
        #expect(try await OrderArchiverTests.count(database, "history.order_logs") == 60)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

/// The archiver deletes an order's rows without PostgreSQL's per-row foreign-key checks only while
/// that cannot leave a dangling row.
@Suite struct OrderArchiverChecksTests {
    static func mode(_ connection: PostgresConnection) async throws -> String? {
        try await connection.query(
            OrderArchiver.uncheckedDeletes,
            [PostgresTextArray(OrderArchiver.orderTables), PostgresTextArray(OrderArchiver.orderReferences)]
        )[0].decode(String?.self, "mode")
    }

    @Test func theChecksAreSkippedOnlyForARoleAllowedToSkipThem() async throws {
        let (database, _, _, _) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        try await database.pool.withConnection { connection in
            #expect(try await OrderArchiverChecksTests.mode(connection) == "replica")
            try await connection.executeScript(
                """
                RESET session_replication_role;
                DO $$ BEGIN CREATE ROLE talab_test_no_replica NOLOGIN; EXCEPTION WHEN duplicate_object THEN END $$;
                SET ROLE talab_test_no_replica;
                """,
                name: "test.role"
            )
            #expect(try await OrderArchiverChecksTests.mode(connection) == nil)
            try await connection.executeScript("RESET ROLE; RESET session_replication_role", name: "test.reset")
        }
    }

    @Test func aNewReferenceToAnOrderTurnsTheChecksBackOnAndNothingDangles() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        let order = try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 30)
        // A table a later migration might add, unknown to the archiver, pointing at the order.
        try await database.pool.withConnection { connection in
            try await connection.executeScript(
                """
                CREATE TABLE order_reviews (order_id uuid NOT NULL REFERENCES orders (id), stars int);
                INSERT INTO order_reviews VALUES ('\(order)', 5);
                """,
                name: "test.reference"
            )
            #expect(try await OrderArchiverChecksTests.mode(connection) == nil)
        }
        let history = PostgresLogStore(pool: database.pool)
        // The foreign key is checked: the batch fails whole and the order stays live.
        await #expect(throws: PostgresError.self) {
            try await OrderArchiver(pool: database.pool, store: history).archiveAll()
        }
        #expect(try await OrderArchiverTests.count(database, "orders") == 1)
        #expect(try await history.document(order, in: .orderLogs) == nil)
        // Once the review goes, so can the order.
        try await database.pool.withConnection { connection in
            try await connection.executeScript("DELETE FROM order_reviews", name: "test.unreference")
        }
        #expect(try await OrderArchiver(pool: database.pool, store: history).archiveAll().archived == 1)
    }
}
