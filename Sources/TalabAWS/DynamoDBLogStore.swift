public import Foundation
public import TalabStore

/// The history in DynamoDB: a table per collection (`<prefix>order_logs`, …), partition key
/// `pk = BUSINESS#<id>`, sort key `sk = <ISO time to the microsecond>#<id>`, and a global index
/// `by_id` on `id` for reading one document. Writes are conditional (`attribute_not_exists(pk)`):
/// a failed condition is "already there", never a second copy. (BatchWriteItem cannot carry a
/// condition, so each document is its own PutItem, several in flight at once.)
public struct DynamoDBLogStore: LogStore {
    public let client: DynamoDB
    public let tablePrefix: String
    /// PutItem calls in flight at once during an append.
    public var concurrency = 16
    /// Days a message log document is kept (`TALAB_MESSAGE_LOG_DAYS`): written with an
    /// `expires_at` that DynamoDB's TTL removes it after; nil keeps them.
    public var messageRetentionDays: Int?

    public init(client: DynamoDB, tablePrefix: String = "talab_") {
        self.client = client
        self.tablePrefix = tablePrefix
    }

    public func table(_ collection: LogCollection) -> String { tablePrefix + collection.rawValue }

    // MARK: Tables

    /// Creates the collections' tables and their `by_id` index (on-demand billing); a table that
    /// exists is left as it is. Returns the tables created.
    @discardableResult
    public func createTables() async throws -> [String] {
        var created: [String] = []
        for collection in LogCollection.allCases {
            let name = table(collection)
            let string = [
                ["AttributeName": "pk", "AttributeType": "S"], ["AttributeName": "sk", "AttributeType": "S"],
                ["AttributeName": "id", "AttributeType": "S"],
            ]
            do {
                _ = try await client.call(
                    "CreateTable",
                    [
                        "TableName": name, "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": string,
                        "KeySchema": [
                            ["AttributeName": "pk", "KeyType": "HASH"], ["AttributeName": "sk", "KeyType": "RANGE"],
                        ],
                        "GlobalSecondaryIndexes": [
                            [
                                "IndexName": "by_id", "KeySchema": [["AttributeName": "id", "KeyType": "HASH"]],
                                "Projection": ["ProjectionType": "ALL"],
                            ]
                        ],
                    ]
                )
                created.append(name)
            } catch  where error.type == "ResourceInUseException" {
                // There already.
            } catch {
                throw map(error, table: name)
            }
            if collection == .messageLogs, messageRetentionDays != nil {
                do {
                    _ = try await client.call(
                        "UpdateTimeToLive",
                        [
                            "TableName": name,
                            "TimeToLiveSpecification": ["Enabled": true, "AttributeName": "expires_at"],
                        ]
                    )
                } catch  where error.type == "ValidationException" && error.message.contains("already enabled") {
                    // On already.
                } catch {
                    throw map(error, table: name)
                }
            }
        }
        return created
    }

    // MARK: LogStore

    public func append(_ documents: [LogDocument], to collection: LogCollection) async throws -> AppendResult {
        let (unique, repeated) = try LogStoreRules.check(documents)
        let name = table(collection)
        var written: Set<UUID> = []
        for start in stride(from: 0, to: unique.count, by: concurrency) {
            let slice = unique[start..<min(start + concurrency, unique.count)]
            try await withThrowingTaskGroup(of: (UUID, Bool).self) { group in
                for document in slice {
                    let expires = collection == .messageLogs ? messageRetentionDays : nil
                    group.addTask { (document.id, try await put(document, in: name, keptDays: expires)) }
                }
                for try await (id, wrote) in group where wrote { written.insert(id) }
            }
        }
        return AppendResult(
            appended: unique.map(\.id).filter(written.contains),
            alreadyThere: unique.map(\.id).filter { !written.contains($0) } + repeated
        )
    }

    /// Writes one document unless its key is there; false when it was.
    func put(_ document: LogDocument, in table: String, keptDays: Int?) async throws -> Bool {
        var item = DynamoDBLogStore.item(document)
        if let keptDays {
            let expires = Int(document.at.timeIntervalSince1970) + keptDays * 86_400
            item["expires_at"] = ["N": String(expires)]
        }
        do {
            _ = try await client.call(
                "PutItem",
                [
                    "TableName": table, "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                ]
            )
            return true
        } catch  where error.type == "ConditionalCheckFailedException" {
            return false
        } catch {
            throw map(error, table: table)
        }
    }

    public func document(_ id: UUID, in collection: LogCollection) async throws -> LogDocument? {
        let name = table(collection)
        do {
            let answer = try await client.call(
                "Query",
                [
                    "TableName": name, "IndexName": "by_id", "KeyConditionExpression": "#id = :id",
                    "ExpressionAttributeNames": ["#id": "id"],
                    "ExpressionAttributeValues": [":id": ["S": id.uuidString.lowercased()]], "Limit": 1,
                ]
            )
            return (answer["Items"] as? [[String: Any]])?.first.flatMap(DynamoDBLogStore.document)
        } catch {
            throw map(error, table: name)
        }
    }

    public func query(_ query: LogQuery, in collection: LogCollection) async throws -> LogPage {
        try LogStoreRules.check(query)
        let name = table(collection)
        let partition = DynamoDBLogStore.partition(query.business)
        // [from, until): from its first microsecond to the last key before until's.
        let low = query.from.map { DynamoDBLogStore.iso(micros(of: $0)) } ?? "0"
        let high = query.until.map { DynamoDBLogStore.iso(micros(of: $0) - 1) + "#~" } ?? "~"
        var request: [String: Any] = [
            "TableName": name, "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": ["#pk": "pk", "#sk": "sk"],
            "ExpressionAttributeValues": [":pk": ["S": partition], ":low": ["S": low], ":high": ["S": high]],
            "ScanIndexForward": false, "Limit": query.limit + 1,
        ]
        if let after = query.after {
            request["ExclusiveStartKey"] = [
                "pk": ["S": partition], "sk": ["S": DynamoDBLogStore.sortKey(micros: after.micros, id: after.id)],
            ]
        }
        do {
            let answer = try await client.call("Query", request)
            var documents = ((answer["Items"] as? [[String: Any]]) ?? []).compactMap(DynamoDBLogStore.document)
            let more = documents.count > query.limit
            if more { documents.removeLast() }
            return LogPage(documents: documents, next: more ? documents.last.map(LogCursor.init(after:)) : nil)
        } catch {
            throw map(error, table: name)
        }
    }

    // MARK: Items

    static func partition(_ business: UUID) -> String { "BUSINESS#\(business.uuidString.lowercased())" }

    static func sortKey(micros: Int64, id: UUID) -> String { "\(iso(micros))#\(id.uuidString.lowercased())" }

    static func item(_ document: LogDocument) -> [String: Any] {
        [
            "pk": ["S": partition(document.business)], "sk": ["S": sortKey(micros: document.micros, id: document.id)],
            "id": ["S": document.id.uuidString.lowercased()],
            "business": ["S": document.business.uuidString.lowercased()],
            "at": ["S": iso(document.micros)], "body": ["S": document.body],
        ]
    }

    static func document(_ item: [String: Any]) -> LogDocument? {
        func text(_ name: String) -> String? { (item[name] as? [String: Any])?["S"] as? String }
        guard let id = text("id").flatMap(UUID.init(uuidString:)),
            let business = text("business").flatMap(UUID.init(uuidString:)),
            let micros = text("at").flatMap(micros(iso:)), let body = text("body")
        else { return nil }
        return LogDocument(
            id: id,
            business: business,
            at: Date(timeIntervalSince1970: Double(micros) / 1e6),
            body: body
        )
    }

    /// `2026-12-06T05:40:00.123456Z`: fixed width, so text order is time order.
    static func iso(_ micros: Int64) -> String {
        var seconds = time_t(micros / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            parts.tm_year + 1900,
            parts.tm_mon + 1,
            parts.tm_mday,
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec,
            Int32(micros % 1_000_000)
        )
    }

    static func micros(iso text: String) -> Int64? {
        guard text.utf8.count == 27, let date = Timestamp.parse(text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    func micros(of date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// What DynamoDB said, as the history's error: one clear line, no credential.
    func map(_ failure: DynamoDB.Failure, table: String) -> LogStoreError {
        switch failure.type {
        case "ResourceNotFoundException":
            return LogStoreError(
                .missingTable,
                "DynamoDB has no table \(table): create the tables with `talab history init-dynamodb`"
            )
        case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
            "MissingAuthenticationTokenException", "ExpiredTokenException", "InvalidClientTokenId":
            return LogStoreError(
                .badCredentials,
                "DynamoDB refused the credentials of \(client.settings.credentials): \(failure.message)"
            )
        case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded":
            return LogStoreError(.throttled, "DynamoDB is throttling \(table) after \(client.settings.attempts) tries")
        case "unreachable":
            return LogStoreError(.unavailable, failure.message)
        default:
            return LogStoreError(.failed, "DynamoDB \(failure.type) on \(table): \(failure.message)")
        }
    }
}
