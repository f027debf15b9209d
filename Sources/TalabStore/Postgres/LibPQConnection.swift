import CLibPQ
import Foundation
import Glibc

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

    /// One step of a pipeline: preparing a statement, or running a prepared or an unnamed one.
    enum PipelineStep {
        case prepare(name: String, sql: String, types: [UInt32])
        case executePrepared(name: String, parameters: [String?])
        case execute(sql: String, name: String, parameters: [String?], types: [UInt32])

        var statement: String {
            switch self {
            case .prepare(let name, _, _), .executePrepared(let name, _), .execute(_, let name, _, _): name
            }
        }
    }

    /// What a pipeline did: each step's rows until the first failure, and that failure (the steps
    /// after it were not run; the ones before it are rolled back unless a transaction is open).
    struct PipelineOutcome {
        var rows: [PostgresRows] = []
        var failure: (step: Int, error: PostgresError)?
    }

    /// Runs the steps in libpq's pipeline mode: all sent at once, one Sync, one round trip. Outside
    /// a transaction they share one implicit transaction (one commit, one WAL flush). The socket is
    /// non-blocking meanwhile and the loop reads while it writes, so a pipeline larger than the
    /// socket's buffers cannot deadlock against a server waiting for its results to be read.
    func pipeline(_ steps: [PipelineStep]) throws(PostgresError) -> PipelineOutcome {
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(.server, "cannot enter pipeline mode: \(lastErrorMessage)")
        }
        PQsetnonblocking(handle, 1)
        defer {
            PQsetnonblocking(handle, 0)
            PQexitPipelineMode(handle)
        }
        for step in steps {
            let sent: Int32
            switch step {
            case .prepare(let name, let sql, let types):
                sent = PQsendPrepare(handle, name, sql, Int32(types.count), types)
            case .executePrepared(let name, let parameters):
                sent = withParameterPointers(parameters) { values in
                    PQsendQueryPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
                }
            case .execute(let sql, _, let parameters, let types):
                sent = withParameterPointers(parameters) { values in
                    PQsendQueryParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw lostPipeline(step.statement) }
        }
        guard PQpipelineSync(handle) == 1 else { throw lostPipeline("pipeline.sync") }
        var outcome = PipelineOutcome()
        var step = 0
        var stepRows: PostgresRows?
        while true {
            let flushed = PQflush(handle)
            guard flushed >= 0, PQconsumeInput(handle) == 1 else { throw lostPipeline("pipeline") }
            while PQisBusy(handle) == 0 {
                guard let result = PQgetResult(handle) else {
                    // The end of one step's results.
                    if let rows = stepRows, outcome.failure == nil { outcome.rows.append(rows) }
                    stepRows = nil
                    step += 1
                    continue
                }
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_PIPELINE_SYNC:
                    return outcome
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    stepRows = PostgresRows(result: result)
                case PGRES_PIPELINE_ABORTED:
                    stepRows = nil
                default:
                    let name = step < steps.count ? steps[step].statement : "pipeline"
                    if outcome.failure == nil { outcome.failure = (step, serverError(result, statement: name)) }
                    stepRows = nil
                }
            }
            var poll = pollfd(fd: socket, events: Int16(POLLIN) | (flushed == 1 ? Int16(POLLOUT) : 0), revents: 0)
            _ = Glibc.poll(&poll, 1, -1)
        }
    }

    /// Runs `COPY … FROM STDIN` and sends the data `produce` hands over, chunk by chunk, until it
    /// returns nil. Returns the rows copied. A chunk the server refuses (a bad value, a constraint)
    /// fails the whole COPY with the server's error; the session stays usable.
    func copyIn(_ sql: String, name: String, produce: () -> [UInt8]?) throws(PostgresError) -> Int {
        guard let started = PQexec(handle, sql) else { throw lostPipeline(name) }
        let status = PQresultStatus(started)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(started) }
            throw serverError(started, statement: name)
        }
        PQclear(started)
        var failed = false
        while !failed, let chunk = produce() {
            let sent = chunk.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            failed = sent != 1
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw lostPipeline(name) }
        var copied = 0
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK:
                copied = Int(String(cString: PQcmdTuples(result))) ?? 0
            default:
                if failure == nil { failure = serverError(result, statement: name) }
            }
        }
        if let failure { throw failure }
        if failed { throw lostPipeline(name) }
        return copied
    }

    private func lostPipeline(_ statement: String) -> PostgresError {
        PostgresError(
            isBroken ? .connectionClosed : .server,
            "the pipeline could not be sent: \(lastErrorMessage)",
            statement: statement
        )
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
