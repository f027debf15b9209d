import Foundation
import TalabStore
import TalabTestSupport
import Testing

@Suite struct ListenerTests {
    @Test func aNotifyReachesTheListener() async throws {
        // A database of its own: notifications are per database and tests run in parallel.
        let url = try await TestCluster.shared.emptyDatabase()
        let listener = try await PostgresListener.listen(url: url, channels: ["catalog_changed", "other channel"])
        let pool = PostgresPool(url: url, maxConnections: 1)
        let notify = PostgresStatement("test.notify", "SELECT pg_notify($1, $2)")
        try await pool.query(notify, ["catalog_changed", "abu-salim-grill"])
        try await pool.query(notify, ["unheard", "nobody listens here"])
        try await pool.query(notify, ["other channel", "شاورما"])
        var iterator = listener.notifications.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.channel == "catalog_changed")
        #expect(first.payload == "abu-salim-grill")
        let second = try #require(try await iterator.next())
        #expect(second.channel == "other channel")
        #expect(second.payload == "شاورما")
        listener.stop()
        #expect(try await iterator.next() == nil)
    }

    @Test func notificationsInsideARolledBackTransactionAreNeverDelivered() async throws {
        // A database of its own: notifications are per database and tests run in parallel.
        let url = try await TestCluster.shared.emptyDatabase()
        let listener = try await PostgresListener.listen(url: url, channels: ["catalog_changed"])
        let pool = PostgresPool(url: url, maxConnections: 1)
        let notify = PostgresStatement("test.notify", "SELECT pg_notify($1, $2)")
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await pool.withTransaction { connection in
                try await connection.query(notify, ["catalog_changed", "rolled back"])
                throw Abort()
            }
        }
        try await pool.query(notify, ["catalog_changed", "committed"])
        var iterator = listener.notifications.makeAsyncIterator()
        #expect(try await iterator.next()?.payload == "committed")
        listener.stop()
    }
}
