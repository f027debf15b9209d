import ArgumentParser
import Foundation
import TalabAWS
import TalabApp
import TalabReconciler
import TalabStore

/// `talab history`: what was archived, read from the configured log store (TALAB_LOG_STORE).
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Archived orders from the log store (PostgreSQL, or DynamoDB with TALAB_LOG_STORE=dynamodb).",
        subcommands: [Orders.self, Show.self, InitDynamoDB.self]
    )

    /// The pool (for PostgreSQL's history, and the businesses' names and zones) and the store.
    static func withStore(
        _ database: DatabaseOptions,
        _ body: (PostgresPool, any LogStore) async throws -> Void
    ) async throws {
        try await reportingFailure {
            let settings = try HistorySettings()
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            try await body(pool, settings.store(pool: pool))
        }
    }

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Archived orders, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only this tenant (default: every business).", valueName: "slug"))
        var tenant: String?
        @Option(help: ArgumentHelp("From this day (YYYY-MM-DD, the business's own).", valueName: "date"))
        var since: String?
        @Option(help: ArgumentHelp("Before this day (YYYY-MM-DD, the business's own).", valueName: "date"))
        var until: String?
        @Option(help: "text or json.") var format: OutputFormat = .text
        @Option(help: "How many at most.") var limit = 50

        enum OutputFormat: String, ExpressibleByArgument { case text, json }

        func validate() throws {
            guard (1...LogQuery.maxLimit).contains(limit) else { throw ValidationError("--limit is 1 to 1,000") }
            for day in [since, until].compactMap({ $0 }) where LocalDate(day) == nil {
                throw ValidationError("'\(day)' is not a day (YYYY-MM-DD)")
            }
        }

        func run() async throws {
            try await HistoryCommand.withStore(database) { pool, store in
                let businesses = try await BusinessDirectory.businesses(pool, slug: tenant)
                guard !businesses.isEmpty else {
                    throw ValidationError(tenant.map { "no business '\($0)' in this database" } ?? "no businesses yet")
                }
                var documents: [(BusinessDirectory.Business, LogDocument)] = []
                for business in businesses {
                    let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
                    var query = LogQuery(business: business.id, limit: limit)
                    query.from = since.flatMap { LocalDate($0)?.bounds(in: zone)?.0 }
                    query.until = until.flatMap { LocalDate($0)?.bounds(in: zone)?.0 }
                    documents += try await store.query(query, in: .orderLogs).documents.map { (business, $0) }
                }
                let newest = documents.sorted { $0.1.at > $1.1.at }.prefix(limit)
                switch format {
                case .json:
                    let bodies = newest.map { $0.1.body }.joined(separator: ",\n")
                    print("[\n\(bodies)\n]")
                case .text:
                    guard !newest.isEmpty else {
                        print("No archived orders.")
                        return
                    }
                    for (business, document) in newest { print(ArchivedOrder(document, business: business).line) }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One archived order, whole, as JSON.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The order's id.") var id: String

        func run() async throws {
            guard let orderID = UUID(uuidString: id) else { throw ValidationError("'\(id)' is not an order id") }
            try await HistoryCommand.withStore(database) { _, store in
                guard let document = try await store.document(orderID, in: .orderLogs) else {
                    throw ValidationError("no archived order \(orderID.uuidString.lowercased())")
                }
                let object = try JSONSerialization.jsonObject(with: Data(document.body.utf8))
                let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: pretty, as: UTF8.self))
            }
        }
    }

    struct InitDynamoDB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-dynamodb",
            abstract: "Create the DynamoDB tables of the history (TALAB_LOG_STORE=dynamodb's settings).",
            discussion: "Tables that exist are left as they are."
        )

        func run() async throws {
            try await reportingFailure {
                let settings = try HistorySettings()
                guard case .dynamodb(let dynamo, let prefix) = settings else {
                    throw ValidationError("TALAB_LOG_STORE is not dynamodb: the history is in PostgreSQL")
                }
                var store = DynamoDBLogStore(client: DynamoDB(settings: dynamo), tablePrefix: prefix)
                // With a retention, message logs expire by DynamoDB's TTL on `expires_at`.
                store.messageRetentionDays = try HistorySettings.messageRetentionDays(
                    ProcessInfo.processInfo.environment
                )
                let created = try await store.createTables()
                print(
                    created.isEmpty
                        ? "The tables \(prefix)* are there already (\(settings.summary))."
                        : "Created \(created.joined(separator: ", ")) (\(settings.summary))."
                )
            }
        }
    }
}
