public import Foundation

/// The collections of the history: archived orders, the message log, the audit trail.
public enum LogCollection: String, Sendable, CaseIterable, Codable {
    case orderLogs = "order_logs"
    case messageLogs = "message_logs"
    case auditLogs = "audit_logs"
}

/// One immutable document of the history: an id, the business it belongs to, when it happened, and
/// a JSON object. Times are kept to the microsecond (what PostgreSQL keeps); a document's body is
/// compared as JSON, not as text (a backend may reorder keys).
public struct LogDocument: Sendable, Hashable {
    public let id: UUID
    public let business: UUID
    public let at: Date
    /// A JSON object, as UTF-8 text.
    public let body: String

    public init(id: UUID, business: UUID, at: Date, body: String) {
        self.id = id
        self.business = business
        self.at = LogDocument.microseconds(at)
        self.body = body
    }

    /// `date` to the microsecond, as every backend keeps it.
    public static func microseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }

    /// Whole microseconds since 1970, the unit of cursors and sort keys.
    package var micros: Int64 { Int64((at.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// The largest body a document may have: DynamoDB's item limit (400 KB) less room for its keys.
    public static let maxBodyBytes = 350 * 1024
}

/// What an append did: the ids it wrote, and those a backend already had (or that the batch held
/// twice); appending an id again never writes a second copy.
public struct AppendResult: Sendable, Equatable {
    public var appended: [UUID] = []
    public var alreadyThere: [UUID] = []

    public init(appended: [UUID] = [], alreadyThere: [UUID] = []) {
        self.appended = appended
        self.alreadyThere = alreadyThere
    }
}

/// One business's documents in a time range, newest first, a page at a time.
public struct LogQuery: Sendable {
    public var business: UUID
    /// The earliest time included; nil for no bound.
    public var from: Date?
    /// The first time not included (the range is half-open); nil for no bound.
    public var until: Date?
    public var limit: Int
    /// Where the previous page ended.
    public var after: LogCursor?

    public static let maxLimit = 1_000

    public init(business: UUID, from: Date? = nil, until: Date? = nil, limit: Int = 50, after: LogCursor? = nil) {
        self.business = business
        self.from = from
        self.until = until
        self.limit = limit
        self.after = after
    }
}

/// A page of a query, and the cursor of the next page when there may be one.
public struct LogPage: Sendable {
    public let documents: [LogDocument]
    public let next: LogCursor?

    public init(documents: [LogDocument], next: LogCursor?) {
        self.documents = documents
        self.next = next
    }
}

/// Where a page ended: opaque to callers, the same for every backend (the last document's time and id).
public struct LogCursor: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    package let micros: Int64
    package let id: UUID

    package init(after document: LogDocument) {
        micros = document.micros
        id = document.id
        rawValue = Data("v1:\(micros):\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A cursor a backend gave; nil for anything else.
    public init?(rawValue: String) {
        guard rawValue.utf8.count <= 128 else { return nil }
        var base64 = rawValue.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let micros = Int64(parts[1]),
            let id = UUID(uuidString: String(parts[2]))
        else { return nil }
        self.rawValue = rawValue
        self.micros = micros
        self.id = id
    }

    public var description: String { rawValue }
    var date: Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
}

/// Why the history refused or could not do something; never holds a credential or a body.
public struct LogStoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        public static let invalidDocument = Code(value: "invalid_document")
        public static let invalidQuery = Code(value: "invalid_query")
        public static let missingTable = Code(value: "missing_table")
        public static let badCredentials = Code(value: "bad_credentials")
        public static let throttled = Code(value: "throttled")
        public static let unavailable = Code(value: "unavailable")
        public static let failed = Code(value: "failed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The append-only history: documents are added, read by id, and queried by business and time,
/// never changed or removed. Backends: PostgreSQL (`PostgresLogStore`, the default) and DynamoDB.
public protocol LogStore: Sendable {
    /// Appends a batch, idempotent by id: an id the collection has is reported, not written again.
    func append(_ documents: [LogDocument], to collection: LogCollection) async throws -> AppendResult
    /// The document with this id, or nil.
    func document(_ id: UUID, in collection: LogCollection) async throws -> LogDocument?
    /// A business's documents in a time range, newest first (by time, then id), `limit` at a time.
    func query(_ query: LogQuery, in collection: LogCollection) async throws -> LogPage
}

extension LogStore {
    /// Every page of a query, for tools and tests.
    public func all(_ query: LogQuery, in collection: LogCollection) async throws -> [LogDocument] {
        var documents: [LogDocument] = []
        var next = query
        while true {
            let page = try await self.query(next, in: collection)
            documents += page.documents
            guard let cursor = page.next else { return documents }
            next.after = cursor
        }
    }
}

/// The checks every backend makes before it writes or reads, so they refuse the same things.
package enum LogStoreRules {
    /// The batch with its duplicates set aside (the first of an id is kept), or why it is refused.
    package static func check(
        _ documents: [LogDocument]
    ) throws(LogStoreError) -> (unique: [LogDocument], repeated: [UUID]) {
        var seen: Set<UUID> = []
        var unique: [LogDocument] = []
        var repeated: [UUID] = []
        for document in documents {
            guard document.body.utf8.count <= LogDocument.maxBodyBytes else {
                throw LogStoreError(
                    .invalidDocument,
                    "document \(document.id.uuidString.lowercased()) is over \(LogDocument.maxBodyBytes / 1024) KiB"
                )
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(document.body.utf8)),
                object is [String: Any]
            else {
                throw LogStoreError(
                    .invalidDocument,
                    "document \(document.id.uuidString.lowercased())'s body is not a JSON object"
                )
            }
            guard document.at.timeIntervalSince1970 >= 0, document.at.timeIntervalSince1970 < 32_503_680_000 else {
                throw LogStoreError(
                    .invalidDocument,
                    "document \(document.id.uuidString.lowercased())'s time is outside 1970-3000"
                )
            }
            if seen.insert(document.id).inserted { unique.append(document) } else { repeated.append(document.id) }
        }
        return (unique, repeated)
    }

    package static func check(_ query: LogQuery) throws(LogStoreError) {
        guard (1...LogQuery.maxLimit).contains(query.limit) else {
            throw LogStoreError(.invalidQuery, "a page holds 1 to \(LogQuery.maxLimit) documents, not \(query.limit)")
        }
        if let from = query.from, let until = query.until, from > until {
            throw LogStoreError(.invalidQuery, "the range starts after it ends")
        }
    }
}
