import Synchronization
import TalabMetrics

/// A bounded set of connections shared by many tasks.
///
/// At most `maxConnections` sessions are open at once; callers beyond that wait in order and fail
/// with `pool_timeout` after `acquireTimeout`. Connections open lazily, and a connection returned
/// inside a transaction is rolled back before anyone else sees it.
public final class PostgresPool: Sendable {
    public let url: DatabaseURL
    public let maxConnections: Int
    public let acquireTimeout: Duration

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PostgresConnection, any Error>
        var timeout: Task<Void, Never>?
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init(url: DatabaseURL, maxConnections: Int = 4, acquireTimeout: Duration = .seconds(10)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.url = url
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }

    /// Lends a connection to `body` and takes it back when `body` ends, however it ends.
    public func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await acquire()
        defer { release(connection) }
        return try await body(connection)
    }

    /// Runs `body` in a transaction on one connection: commits when it returns, rolls back when it throws.
    public func withTransaction<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction(body)
        }
    }

    /// Runs one statement on any connection.
    @discardableResult
    public func query(
        _ statement: PostgresStatement,
        _ bindings: [any PostgresEncodable] = []
    ) async throws -> PostgresRows {
        try await withConnection { connection in
            try await connection.query(statement, bindings)
        }
    }

    /// Runs one statement with named parameters on any connection.
    @discardableResult
    public func query(
        _ statement: PostgresStatement,
        _ bindings: PostgresBindings
    ) async throws -> PostgresRows {
        try await withConnection { connection in
            try await connection.query(statement, bindings)
        }
    }

    static let ping = PostgresStatement("pool.ping", "SELECT 1 AS one")

    /// Whether the server answers a trivial query now (for readiness checks).
    public func answers() async -> Bool { (try? await query(PostgresPool.ping)) != nil }

    /// How many sessions are open now, lent or idle.
    public var openConnections: Int { state.withLock { $0.open } }

    /// Closes idle connections and fails every waiting caller; lent connections close when returned.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        _ = idle
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: PostgresError(.poolClosed, "the connection pool was closed"))
        }
    }

    private enum Decision {
        case use(PostgresConnection)
        case open
        case wait
        case closed
    }

    private func acquire() async throws -> PostgresConnection {
        let decision = state.withLock { state in decide(&state, waiter: nil) }
        switch decision {
        case .use(let connection): return connection
        case .open: return try await openConnection()
        case .closed: throw PostgresError(.poolClosed, "the connection pool was closed")
        case .wait: break
        }
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        // Every connection busy: how often and how long callers wait is what an operator sizes by.
        TalabMetrics.poolWaits.increment()
        let started = ContinuousClock.now
        defer { TalabMetrics.poolWait.record(since: started) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let decision = state.withLock { state in
                    decide(&state, waiter: Waiter(id: id, continuation: continuation))
                }
                switch decision {
                case .use(let connection): continuation.resume(returning: connection)
                case .open: Task { await self.open(for: continuation) }
                case .closed:
                    continuation.resume(throwing: PostgresError(.poolClosed, "the connection pool was closed"))
                case .wait: startTimeout(for: id)
                }
            }
        } onCancel: {
            fail(waiter: id, with: CancellationError())
        }
    }

    /// Picks what an acquiring caller does; a waiter is queued when it must wait.
    private func decide(_ state: inout State, waiter: Waiter?) -> Decision {
        if state.closed { return .closed }
        if let connection = state.idle.popLast() { return .use(connection) }
        if state.open < maxConnections {
            state.open += 1
            return .open
        }
        if let waiter { state.waiters.append(waiter) }
        return .wait
    }

    private func startTimeout(for id: UInt64) {
        let timeout = acquireTimeout
        let task = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil, let self else { return }
            TalabMetrics.poolTimeouts.increment()
            self.fail(
                waiter: id,
                with: PostgresError(
                    .poolTimeout,
                    "no database connection became free within \(timeout) (pool of \(self.maxConnections))"
                )
            )
        }
        let stillWaiting = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return false }
            state.waiters[index].timeout = task
            return true
        }
        if !stillWaiting { task.cancel() }
    }

    private func fail(waiter id: UInt64, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.timeout?.cancel()
        waiter?.continuation.resume(throwing: error)
    }

    private func openConnection() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(url)
        } catch {
            connectionLost()
            throw error
        }
    }

    private func open(for continuation: CheckedContinuation<PostgresConnection, any Error>) async {
        do {
            continuation.resume(returning: try await openConnection())
        } catch {
            continuation.resume(throwing: error)
        }
    }

    /// Gives back a slot after a connection broke or failed to open, and lets the first waiter open one.
    private func connectionLost() {
        let waiter = state.withLock { state -> Waiter? in
            state.open -= 1
            guard !state.closed, !state.waiters.isEmpty else { return nil }
            state.open += 1
            return state.waiters.removeFirst()
        }
        if let waiter {
            waiter.timeout?.cancel()
            Task { await self.open(for: waiter.continuation) }
        }
    }

    private func release(_ connection: PostgresConnection) {
        switch connection.state {
        case .broken:
            connectionLost()
        case .inTransaction:
            Task {
                try? await connection.executeScript("ROLLBACK", name: "pool.reset")
                if connection.state == .idle { self.handBack(connection) } else { self.connectionLost() }
            }
        case .idle:
            handBack(connection)
        }
    }

    private func handBack(_ connection: PostgresConnection) {
        let waiter = state.withLock { state -> Waiter? in
            if state.closed {
                state.open -= 1
                return nil
            }
            guard !state.waiters.isEmpty else {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.timeout?.cancel()
        waiter?.continuation.resume(returning: connection)
    }
}
