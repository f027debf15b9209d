import TalabCore

/// One session with PostgreSQL, running every libpq call on a thread of its own.
///
/// The actor's executor is that dedicated thread, so a blocking libpq call never occupies Swift's
/// cooperative pool. Obtain connections from a `PostgresPool`; connect directly only for sessions
/// that must stay apart (a migration lock, a listener).
public actor PostgresConnection {
    private nonisolated let executor: DedicatedThreadExecutor
    private let connection: LibPQConnection
    /// Statements prepared on this session, by name, with the text they were prepared from.
    private var preparedStatements: [String: String] = [:]
    /// Writes queued in the open transaction (`queue`), sent with the next statement.
    private var queued: [BoundStatement] = []
    private var inTransaction = false

    public nonisolated let url: DatabaseURL

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(executor: DedicatedThreadExecutor, connection: LibPQConnection) {
        self.executor = executor
        self.connection = connection
        self.url = connection.url
    }

    deinit {
        executor.shutdown()
    }

    /// Opens a session; fails within the URL's connect timeout when the server cannot be reached.
    public static func connect(_ url: DatabaseURL) async throws(PostgresError) -> PostgresConnection {
        let executor = DedicatedThreadExecutor(name: "talab.postgres")
        do {
            let connection = try await executor.perform { () throws(PostgresError) in try LibPQConnection.open(url) }
            return PostgresConnection(executor: executor, connection: connection)
        } catch {
            executor.shutdown()
            throw error
        }
    }

    /// Runs a statement with bound parameters and returns its rows.
    @discardableResult
    public func query(
        _ statement: PostgresStatement,
        _ bindings: [any PostgresEncodable] = []
    ) throws(PostgresError) -> PostgresRows {
        if statement.parameterNames?.isEmpty == false {
            throw PostgresError(.binding, "it names its parameters; bind them by name", statement: statement.name)
        }
        return try run(statement, bindings)
    }

    /// Runs a statement declared with named parameters (`:name`), bound by name.
    @discardableResult
    public func query(
        _ statement: PostgresStatement,
        _ bindings: PostgresBindings
    ) throws(PostgresError) -> PostgresRows {
        try run(statement, try bindings.ordered(for: statement))
    }

    /// Queues a write whose rows nobody reads, in the open transaction: it is sent in one round trip
    /// with the next statement (or the commit), in libpq's pipeline mode. When it fails, that next
    /// call throws its error, naming it; the transaction is then aborted, as it would have been.
    /// Outside a transaction the write runs at once.
    public func queue(_ statement: PostgresStatement, _ bindings: [any PostgresEncodable]) throws(PostgresError) {
        if statement.parameterNames?.isEmpty == false {
            throw PostgresError(.binding, "it names its parameters; bind them by name", statement: statement.name)
        }
        guard inTransaction else {
            try run(statement, bindings)
            return
        }
        queued.append(BoundStatement(statement, bindings))
    }

    /// Queues a write declared with named parameters (`queue`).
    public func queue(_ statement: PostgresStatement, _ bindings: PostgresBindings) throws(PostgresError) {
        let ordered = try bindings.ordered(for: statement)
        guard inTransaction else {
            try run(statement, ordered)
            return
        }
        queued.append(BoundStatement(statement, ordered))
    }

    /// Sends the queued writes now (before a savepoint is released or rolled back to, say).
    public func flush() throws(PostgresError) {
        guard !queued.isEmpty else { return }
        _ = try afterQueued([])
    }

    /// Runs statements in one round trip (libpq's pipeline mode) and returns each one's rows. Outside
    /// a transaction they form one implicit transaction: all commit together (one WAL flush), or,
    /// when one fails, none does, and its error (naming it) is thrown.
    public func pipeline(
        _ statements: [(PostgresStatement, [any PostgresEncodable])]
    ) throws(PostgresError) -> [PostgresRows] {
        // Checked before the queued writes are taken: a refused call loses none of them.
        if let named = statements.first(where: { $0.0.parameterNames?.isEmpty == false }) {
            throw PostgresError(.binding, "it names its parameters; bind them by name", statement: named.0.name)
        }
        return try afterQueued(statements.map { BoundStatement($0.0, $0.1) })
    }

    /// Runs the queued writes and then these statements as one pipeline, emptying the queue; these
    /// statements' rows.
    private func afterQueued(_ statements: [BoundStatement]) throws(PostgresError) -> [PostgresRows] {
        let writes = queued + statements
        queued = []
        return Array(try runPipeline(writes).all().suffix(statements.count))
    }

    /// Statements already bound (by `PipelinedWrites`), run as one pipeline: the rows of those that
    /// ran before a failure, and the failure with the index of the statement that failed.
    func pipeline(bound statements: [BoundStatement]) throws(PostgresError) -> PipelineResult {
        try runPipeline(statements)
    }

    struct PipelineResult {
        /// The rows of each statement that ran, up to the one that failed.
        var rows: [PostgresRows]
        var failure: (index: Int, error: PostgresError)?

        func all() throws(PostgresError) -> [PostgresRows] {
            if let failure { throw failure.error }
            return rows
        }
    }

    /// Runs a pipeline; a statement's server error is returned, a lost connection thrown.
    private func runPipeline(
        _ statements: [BoundStatement]
    ) throws(PostgresError) -> PipelineResult {
        var steps: [LibPQConnection.PipelineStep] = []
        var executions: [Int] = []
        var preparing: [Int: (name: String, sql: String)] = [:]
        for bound in statements {
            let (statement, values, types) = (bound.statement, bound.values, bound.types)
            guard statement.prepared else {
                executions.append(steps.count)
                steps.append(.execute(sql: statement.sql, name: statement.name, parameters: values, types: types))
                continue
            }
            let known =
                preparedStatements[statement.name]
                ?? preparing.values.first { $0.name == statement.name }?.sql
            if let known {
                guard known == statement.sql else { throw PostgresConnection.nameClash(statement) }
            } else {
                preparing[steps.count] = (statement.name, statement.sql)
                steps.append(.prepare(name: statement.name, sql: statement.sql, types: types))
            }
            executions.append(steps.count)
            steps.append(.executePrepared(name: statement.name, parameters: values))
        }
        let outcome = try connection.pipeline(steps)
        // A statement prepared before the failure stays prepared: preparing is not transactional.
        for (step, prepared) in preparing where step < outcome.rows.count {
            preparedStatements[prepared.name] = prepared.sql
        }
        guard let failure = outcome.failure else { return PipelineResult(rows: executions.map { outcome.rows[$0] }) }
        return PipelineResult(
            rows: executions.prefix { $0 < failure.step }.map { outcome.rows[$0] },
            failure: (executions.firstIndex { $0 >= failure.step } ?? executions.count - 1, failure.error)
        )
    }

    private func run(
        _ statement: PostgresStatement,
        _ bindings: [any PostgresEncodable]
    ) throws(PostgresError) -> PostgresRows {
        let values = bindings.map(\.postgresText)
        if !queued.isEmpty { return try afterQueued([BoundStatement(statement, bindings)])[0] }
        guard statement.prepared else {
            return try connection.execute(
                statement.sql,
                name: statement.name,
                parameters: values,
                types: bindings.map { type(of: $0).postgresDataType.oid }
            )
        }
        if let preparedSQL = preparedStatements[statement.name] {
            guard preparedSQL == statement.sql else { throw PostgresConnection.nameClash(statement) }
        } else {
            try connection.prepare(
                statement.sql,
                name: statement.name,
                types: bindings.map { type(of: $0).postgresDataType.oid }
            )
            preparedStatements[statement.name] = statement.sql
        }
        return try connection.executePrepared(statement.name, parameters: values)
    }

    /// A statement whose name this session prepared from other text.
    private static func nameClash(_ statement: PostgresStatement) -> PostgresError {
        PostgresError(
            .server,
            "two different statements share the name \"\(statement.name)\"",
            statement: statement.name
        )
    }

    /// Runs SQL text of one or more statements, without parameters (migrations, `LISTEN`, DDL).
    public func executeScript(_ sql: String, name: String) throws(PostgresError) {
        try flush()
        try connection.executeScript(sql, name: name)
    }

    /// Copies rows into a table (`COPY … FROM STDIN`, text format): the bulk path for a first apply's
    /// rows and audit records. Each row holds one value per column in PostgreSQL's text form (nil is
    /// NULL); they are escaped here and sent in chunks of about a mebibyte. Returns the rows copied.
    @discardableResult
    public func copy<Rows: Sequence<[String?]>>(
        into table: String,
        columns: [String],
        rows: Rows,
        name: String
    ) throws(PostgresError) -> Int {
        try flush()
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        var iterator = rows.makeIterator()
        var encoder = CopyTextEncoder(columns: columns.count)
        return try connection.copyIn(sql, name: name) {
            while encoder.bytes.count < 1 << 20, let row = iterator.next() { encoder.append(row) }
            return encoder.take()
        }
    }

    /// Rolls back to a savepoint of the open transaction; the writes queued since are dropped unsent
    /// (they would be undone, and one of them failing must not stop the rollback).
    public func rollback(toSavepoint savepoint: String) throws(PostgresError) {
        queued.removeAll { $0.statement != PostgresConnection.begin }
        try connection.executeScript(
            "ROLLBACK TO SAVEPOINT \(try connection.escapeIdentifier(savepoint))",
            name: "savepoint.rollback"
        )
    }

    /// Quotes an identifier (a database, channel or table name) for a script.
    public func quoteIdentifier(_ identifier: String) throws(PostgresError) -> String {
        try connection.escapeIdentifier(identifier)
    }

    /// The server's version as an integer, such as 150018 for 15.18.
    public var serverVersion: Int { connection.serverVersion }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws. The body
    /// runs on the connection's thread (between its awaits on anything else), so its statements
    /// do not each wake another thread.
    public nonisolated func withTransaction<Result>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTaskExecutorPreference(executor) { try await transaction(body) }
    }

    private nonisolated func transaction<Result>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await begin()
        let result: Result
        do {
            result = try await body(self)
            try await commit()
        } catch {
            try? await rollback()
            throw error
        }
        return result
    }

    private static let begin = PostgresStatement("transaction.begin", "BEGIN", prepared: false)
    private static let commit = PostgresStatement("transaction.commit", "COMMIT", prepared: false)

    /// BEGIN is queued: it travels with the transaction's first statement.
    private func begin() throws(PostgresError) {
        guard !inTransaction else { throw PostgresError(.server, "a transaction is already open on this session") }
        inTransaction = true
        queued = [BoundStatement(PostgresConnection.begin, [])]
    }

    /// COMMIT travels with the writes still queued.
    private func commit() throws(PostgresError) {
        inTransaction = false
        if queued.count == 1, queued[0].statement == PostgresConnection.begin {
            queued = []  // nothing was run: nothing to commit
            return
        }
        try run(PostgresConnection.commit, [])
    }

    /// Queued writes are dropped. Nothing needs rolling back when not even BEGIN was sent, or when a
    /// failed COMMIT ended the transaction; a COMMIT that never ran (a queued write before it
    /// failed) leaves it open and aborted.
    private func rollback() throws(PostgresError) {
        inTransaction = false
        queued = []
        if !connection.isIdle { try connection.executeScript("ROLLBACK", name: "transaction.rollback") }
    }

    /// Whether the session can serve another caller as it is.
    ///
    /// Read by the pool only after the borrower's last call has returned, when nothing else runs on
    /// this connection; libpq's status getters read fields and never touch the socket.
    nonisolated var state: SessionState {
        if connection.isBroken { return .broken }
        return connection.isIdle ? .idle : .inTransaction
    }

    enum SessionState {
        case idle
        case inTransaction
        case broken
    }
}
