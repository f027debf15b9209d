import Foundation
import TalabAWS
import TalabStore
import TalabTestSupport
import Testing

/// The outbox relay into DynamoDB: down, then back.
@Suite(.enabled(if: MotoServer.available, "moto_server is not installed (make test installs it)"))
struct LogRelayDynamoDBTests {
    @Test func aHistoryThatIsDownKeepsTheRecordsWaitingAndGetsEachOnceWhenBack() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        let waiting = try await LogRelay(pool: database.pool, store: PostgresLogStore(pool: database.pool)).waiting()
        #expect(waiting > 0)
        let rows = try await database.count("SELECT count(*)::int FROM log_outbox")
        // DynamoDB that does not answer.
        var settings = DynamoDB.Settings(
            endpoint: URL(string: "http://127.0.0.1:\(try PrivateCluster.freeLoopbackPort())")!,
            region: "eu-south-1",
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
        )
        settings.attempts = 1
        settings.timeout = .milliseconds(300)
        let down = DynamoDBLogStore(client: DynamoDB(settings: settings))
        await #expect(throws: LogStoreError.self) { try await LogRelay(pool: database.pool, store: down).relayAll() }
        #expect(try await database.count("SELECT count(*)::int FROM log_outbox") == rows)
        // Back: everything arrives, once, and a second relay finds nothing to do.
        let up = try await DynamoDBLogStoreTests.store()
        #expect(try await LogRelay(pool: database.pool, store: up, batch: 7).relayAll() == waiting)
        #expect(try await LogRelay(pool: database.pool, store: up).relayAll() == 0)
        #expect(try await database.count("SELECT count(*)::int FROM log_outbox") == 0)
        var relayed = 0
        for business in try await BusinessDirectory.businesses(database.pool) {
            relayed += try await up.all(LogQuery(business: business.id), in: .auditLogs).count
        }
        #expect(relayed == waiting)
    }
}
