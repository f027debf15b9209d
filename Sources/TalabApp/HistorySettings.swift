public import Foundation
public import TalabAWS
public import TalabStore

/// Where the history lives, from the environment: `TALAB_LOG_STORE=postgres` (the default: the
/// server's own database) or `dynamodb` with `TALAB_DYNAMODB_ENDPOINT` (default AWS's endpoint of
/// the region), `TALAB_DYNAMODB_REGION` (else `AWS_REGION`, `AWS_DEFAULT_REGION`),
/// `TALAB_DYNAMODB_TABLE_PREFIX` (default `talab_`) and the standard `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
public enum HistorySettings: Sendable {
    case postgres
    case dynamodb(DynamoDB.Settings, tablePrefix: String)

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        switch value("TALAB_LOG_STORE") ?? "postgres" {
        case "postgres":
            self = .postgres
        case "dynamodb":
            guard let region = value("TALAB_DYNAMODB_REGION") ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION")
            else {
                throw Invalid(
                    description: "TALAB_LOG_STORE=dynamodb needs a region: TALAB_DYNAMODB_REGION or AWS_REGION"
                )
            }
            guard let credentials = AWSCredentials.fromEnvironment(environment) else {
                throw Invalid(
                    description: "TALAB_LOG_STORE=dynamodb needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                )
            }
            let endpointText = value("TALAB_DYNAMODB_ENDPOINT") ?? "https://dynamodb.\(region).amazonaws.com"
            guard let endpoint = URL(string: endpointText), endpoint.scheme == "http" || endpoint.scheme == "https",
                endpoint.host != nil
            else { throw Invalid(description: "TALAB_DYNAMODB_ENDPOINT is not an http(s) URL") }
            let prefix = value("TALAB_DYNAMODB_TABLE_PREFIX") ?? "talab_"
            guard prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }),
                prefix.count <= 200
            else {
                throw Invalid(description: "TALAB_DYNAMODB_TABLE_PREFIX may hold letters, digits, _ - . only")
            }
            self = .dynamodb(
                DynamoDB.Settings(endpoint: endpoint, region: region, credentials: credentials),
                tablePrefix: prefix
            )
        case let other:
            throw Invalid(description: "TALAB_LOG_STORE is postgres or dynamodb, not '\(other)'")
        }
    }

    /// The store: PostgreSQL's over `pool`, or DynamoDB's (its message logs expiring after
    /// `messageRetentionDays` by TTL, when given).
    public func store(pool: PostgresPool, messageRetentionDays: Int? = nil) -> any LogStore {
        switch self {
        case .postgres: return PostgresLogStore(pool: pool)
        case .dynamodb(let settings, let prefix):
            var store = DynamoDBLogStore(client: DynamoDB(settings: settings), tablePrefix: prefix)
            store.messageRetentionDays = messageRetentionDays
            return store
        }
    }

    /// `TALAB_MESSAGE_LOG_DAYS`: how long customers' messages are kept; nil (unset) keeps them.
    public static func messageRetentionDays(_ environment: [String: String]) throws(Invalid) -> Int? {
        guard let text = environment["TALAB_MESSAGE_LOG_DAYS"], !text.isEmpty else { return nil }
        guard let days = Int(text), (1...36_500).contains(days) else {
            throw Invalid(description: "TALAB_MESSAGE_LOG_DAYS is a number of days (1 or more), or unset to keep them")
        }
        return days
    }

    /// One line for an operator: which backend, where (no credential).
    public var summary: String {
        switch self {
        case .postgres: "PostgreSQL (schema history)"
        case .dynamodb(let settings, let prefix):
            "DynamoDB at \(settings.endpoint.absoluteString) (\(settings.region)), tables \(prefix)*, \(settings.credentials)"
        }
    }
}
