import CLibPQ
import Foundation

/// The one owner of a libpq `PGconn`.
///
/// libpq connections are not thread-safe. This class is used only from the single thread that owns
/// it: the dedicated executor thread of a `PostgresConnection`, or the listening thread of a
/// `PostgresListener`. That confinement is what makes the `@unchecked Sendable` safe; the type is
/// internal so nothing else can share it.
final class LibPQConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    let url: DatabaseURL

    private init(handle: OpaquePointer, url: DatabaseURL) {
        self.handle = handle
        self.url = url
    }

    deinit {
        PQfinish(handle)
    }

    /// Opens a connection, blocking the calling thread for at most the URL's connect timeout.
    static func open(_ url: DatabaseURL) throws(PostgresError) -> LibPQConnection {
        let parameters = url.connectionParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            for pointer in keywords { free(pointer) }
            for pointer in values { free(pointer) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 0) else {
            throw PostgresError(.connectionFailed, "libpq could not allocate a connection")
        }
        let connection = LibPQConnection(handle: handle, url: url)
        // libpq prints server notices (`relation … already exists, skipping`) to stderr by default;
        // they are informational, and a library has no business writing to the terminal.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = connection.lastErrorMessage
            throw PostgresError(
                LibPQConnection.classify(connectionFailure: reason),
                "could not connect to \(url.redacted): \(reason)"
            )
        }
        return connection
    }

    static func classify(connectionFailure reason: String) -> PostgresError.Code {
        if reason.contains("password authentication failed") || reason.contains("no password supplied")
            || reason.contains("SCRAM authentication")
        {
            return .authenticationFailed
        }
        if reason.contains("Connection refused") { return .connectionRefused }
        return .connectionFailed
    }

    var lastErrorMessage: String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Whether the session sits outside any transaction, ready for the next caller.
    var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    var socket: Int32 { PQsocket(handle) }

    var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs one statement with bound text parameters and returns its rows.
    func execute(
        _ sql: String,
        name: String,
        parameters: [String?],
        types: [UInt32]
    ) throws(PostgresError) -> PostgresRows {
        let result = withParameterPointers(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
        }
        return try consume(result, statement: name)
    }

    /// Prepares a statement under `name` on this session.
    func prepare(_ sql: String, name: String, types: [UInt32]) throws(PostgresError) {
        let result = PQprepare(handle, name, sql, Int32(types.count), types)
        _ = try consume(result, statement: name)
    }

    /// Runs a statement prepared earlier on this session.
    func executePrepared(_ name: String, parameters: [String?]) throws(PostgresError) -> PostgresRows {
        let result = withParameterPointers(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try consume(result, statement: name)
    }

    /// Runs a script of one or more statements without parameters (the simple query protocol).
    func executeScript(_ sql: String, name: String) throws(PostgresError) {
        _ = try consume(PQexec(handle, sql), statement: name)
    }

    /// Reads what the server sent without blocking and returns the notifications that arrived.
    func drainNotifications() throws(PostgresError) -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(.connectionClosed, "lost the connection while listening: \(lastErrorMessage)")
        }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    processID: Int(notify.pointee.be_pid)
                )
            )
            PQfreemem(notify)
        }
        return notifications
    }

    /// Quotes an identifier such as a channel name, as libpq would.
    func escapeIdentifier(_ identifier: String) throws(PostgresError) -> String {
        guard let escaped = PQescapeIdentifier(handle, identifier, identifier.utf8.count) else {
            throw PostgresError(.server, "cannot quote identifier: \(lastErrorMessage)")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    private func withParameterPointers<R>(
        _ parameters: [String?],
        _ body: ([UnsafePointer<CChar>?]) -> R
    ) -> R {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in copies { free(pointer) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }

    private func consume(_ result: OpaquePointer?, statement: String) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(
                isBroken ? .connectionClosed : .server,
                lastErrorMessage,
                statement: statement
            )
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result: result)
        default:
            throw serverError(result, statement: statement)
        }
    }

    private func serverError(_ result: OpaquePointer, statement: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        guard let sqlState = field("C") else {
            return PostgresError(
                isBroken ? .connectionClosed : .server,
                isBroken ? "the connection to the server was lost: \(lastErrorMessage)" : lastErrorMessage,
                statement: statement
            )
        }
        return PostgresError(
            .server,
            PostgresError.withoutValues(field("M") ?? "unknown error", sqlState: sqlState),
            sqlState: sqlState,
            statement: statement,
            constraint: field("n"),
            position: field("P").flatMap { Int($0) }
        )
    }
}

extension PostgresError {
    /// Drops the quoted input value that data-exception messages end with
    /// (`invalid input value for enum order_status: "shipped"`): it is a bound value, maybe a customer's.
    static func withoutValues(_ message: String, sqlState: String) -> String {
        guard sqlState.hasPrefix("22"), message.hasSuffix("\""),
            let quote = message.range(of: ": \"", options: .backwards)
        else { return message }
        return String(message[..<quote.lowerBound])
    }
}
