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

    private func run(
        _ statement: PostgresStatement,
        _ bindings: [any PostgresEncodable]
    ) throws(PostgresError) -> PostgresRows {
        let values = bindings.map(\.postgresText)
        guard statement.prepared else {
            return try connection.execute(
                statement.sql,
                name: statement.name,
                parameters: values,
                types: bindings.map { type(of: $0).postgresDataType.oid }
            )
        }
        if let preparedSQL = preparedStatements[statement.name] {
            guard preparedSQL == statement.sql else {
                throw PostgresError(
                    .server,
                    "two different statements share the name \"\(statement.name)\"",
                    statement: statement.name
                )
            }
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

    /// Runs SQL text of one or more statements, without parameters (migrations, `LISTEN`, DDL).
    public func executeScript(_ sql: String, name: String) throws(PostgresError) {
        try connection.executeScript(sql, name: name)
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
        try await executeScript("BEGIN", name: "transaction.begin")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            try? await executeScript("ROLLBACK", name: "transaction.rollback")
            throw error
        }
        try await executeScript("COMMIT", name: "transaction.commit")
        return result
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
