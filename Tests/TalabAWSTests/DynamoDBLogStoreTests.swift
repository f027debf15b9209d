import Foundation
import TalabStore
import TalabTestSupport
import Testing

@testable import TalabAWS

/// The history's DynamoDB backend, against moto's DynamoDB on loopback: the same conformance cases
/// as PostgreSQL, and one clear line for a missing table, refused credentials or no server.
@Suite(.enabled(if: MotoServer.available, "moto_server is not installed (make test installs it)"))
struct DynamoDBLogStoreTests {
    static func client(
        _ server: MotoServer = .shared,
        secret: String = MotoServer.credentials.secret
    ) async throws
        -> DynamoDB
    {
        var settings = DynamoDB.Settings(
            endpoint: try await server.endpoint(),
            region: "eu-south-1",
            credentials: AWSCredentials(accessKeyID: MotoServer.credentials.id, secretAccessKey: secret)
        )
        settings.attempts = 2
        return DynamoDB(settings: settings)
    }

    /// A store with tables of its own (a prefix per test), created.
    static func store() async throws -> DynamoDBLogStore {
        let store = DynamoDBLogStore(client: try await client(), tablePrefix: "t\(UUID().uuidString.prefix(8))_")
        #expect(try await store.createTables().count == 3)
        // Creating them again changes nothing.
        #expect(try await store.createTables().isEmpty)
        return store
    }

    @Test func appendingAnIDAgainWritesNothing() async throws {
        try await LogStoreConformance.appendingAnIDAgainWritesNothing(DynamoDBLogStoreTests.store())
    }

    @Test func documentsAreReadBackByIDInTheirCollectionOnly() async throws {
        try await LogStoreConformance.documentsAreReadBackByIDInTheirCollectionOnly(DynamoDBLogStoreTests.store())
    }

    @Test func queriesPageNewestFirstWithoutGapsOrRepeats() async throws {
        try await LogStoreConformance.queriesPageNewestFirstWithoutGapsOrRepeats(DynamoDBLogStoreTests.store())
    }

    @Test func rangesAreHalfOpen() async throws {
        try await LogStoreConformance.rangesAreHalfOpen(DynamoDBLogStoreTests.store())
    }

    @Test func badInputIsRefusedAndNothingOfTheBatchIsWritten() async throws {
        try await LogStoreConformance.badInputIsRefusedAndNothingOfTheBatchIsWritten(DynamoDBLogStoreTests.store())
    }

    @Test func messageLogsCarryTheirExpiryForDynamoDBsTTL() async throws {
        var store = DynamoDBLogStore(
            client: try await DynamoDBLogStoreTests.client(),
            tablePrefix: "ttl\(UUID().uuidString.prefix(6))_"
        )
        store.messageRetentionDays = 30
        try await store.createTables()
        let ttl = try await store.client.call("DescribeTimeToLive", ["TableName": store.table(.messageLogs)])
        let description = ttl["TimeToLiveDescription"] as? [String: Any]
        #expect(description?["AttributeName"] as? String == "expires_at", "\(ttl)")
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        let message = LogDocument(id: UUID(), business: UUID(), at: at, body: #"{"text":"baddi shawarma"}"#)
        _ = try await store.append([message], to: .messageLogs)
        _ = try await store.append(
            [LogDocument(id: UUID(), business: message.business, at: at, body: "{}")],
            to: .orderLogs
        )
        func expiry(_ collection: LogCollection) async throws -> String? {
            let answer = try await store.client.call(
                "Query",
                [
                    "TableName": store.table(collection), "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": [":pk": ["S": "BUSINESS#\(message.business.uuidString.lowercased())"]],
                ]
            )
            let item = (answer["Items"] as? [[String: Any]])?.first
            return (item?["expires_at"] as? [String: Any])?["N"] as? String
        }
        #expect(try await expiry(.messageLogs) == String(1_796_000_000 + 30 * 86_400))
        #expect(try await expiry(.orderLogs) == nil)
    }

    @Test func aMissingTableSaysHowToCreateIt() async throws {
        let store = DynamoDBLogStore(client: try await DynamoDBLogStoreTests.client(), tablePrefix: "nowhere_")
        let error = await #expect(throws: LogStoreError.self) {
            try await store.append([LogDocument(id: UUID(), business: UUID(), at: Date(), body: "{}")], to: .orderLogs)
        }
        #expect(error?.code == .missingTable)
        #expect(
            error?.message
                == "DynamoDB has no table nowhere_order_logs: create the tables with `talab history init-dynamodb`"
        )
    }

    @Test func refusedCredentialsAreOneLineWithoutTheSecret() async throws {
        let secret = "this-secret-must-not-show"
        let store = DynamoDBLogStore(client: try await DynamoDBLogStoreTests.client(.strict, secret: secret))
        let error = await #expect(throws: LogStoreError.self) {
            try await store.query(LogQuery(business: UUID()), in: .auditLogs)
        }
        #expect(error?.code == .badCredentials, "\(String(describing: error))")
        let message = error?.message ?? ""
        #expect(message.hasPrefix("DynamoDB refused the credentials of AWS key \(MotoServer.credentials.id)"))
        #expect(!message.contains(secret) && !message.contains("\n"))
    }

    @Test func noServerIsUnavailableAfterItsRetries() async throws {
        var settings = DynamoDB.Settings(
            endpoint: URL(string: "http://127.0.0.1:\(try PrivateCluster.freeLoopbackPort())")!,
            region: "eu-south-1",
            credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
        )
        settings.attempts = 2
        settings.backoff = .milliseconds(1)
        // AsyncHTTPClient keeps trying to connect until a request's deadline.
        settings.timeout = .milliseconds(500)
        let store = DynamoDBLogStore(client: DynamoDB(settings: settings))
        let error = await #expect(throws: LogStoreError.self) { try await store.document(UUID(), in: .orderLogs) }
        #expect(error?.code == .unavailable)
    }
}
