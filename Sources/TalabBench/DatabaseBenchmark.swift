import Foundation
public import TalabStore

/// `talab bench db`: our pool against `pgbench` on the same server, in the same run.
///
/// Both sides use the same number of connections. pgbench is measured twice for reads, with the
/// simple query protocol (its default, what `pgbench -S` means) and with prepared statements (what
/// our pool does), so the comparison is honest either way.
public struct DatabaseBenchmark: Sendable {
    public var seconds: Int
    public var connections: Int
    /// pgbench's scale: 100,000 accounts per unit.
    public var scale: Int

    public init(seconds: Int = 10, connections: Int = 4, scale: Int = 10) {
        self.seconds = seconds
        self.connections = connections
        self.scale = scale
    }

    public struct Report: Sendable {
        public let figures: [Throughput]
        public let connections: Int

        public func figure(_ name: String) -> Throughput? { figures.first { $0.name == name } }

        /// Our point-select throughput as a share of `pgbench -S` (simple protocol).
        public var selectRatio: Double? {
            guard let ours = figure(Names.poolSelect), let theirs = figure(Names.pgbenchSelect), theirs.perSecond > 0
            else { return nil }
            return ours.perSecond / theirs.perSecond
        }
    }

    public enum Names {
        public static let pgbenchSelect = "pgbench -S (simple protocol)"
        public static let pgbenchSelectPrepared = "pgbench -S -M prepared"
        public static let poolSelect = "talab pool point-select"
        public static let pgbenchInsert = "pgbench insert script -M prepared"
        public static let poolInsert = "talab pool insert"
        public static let pgbenchTransaction = "pgbench TPC-B-like transaction -M prepared"
        public static let poolTransaction = "talab TPC-B-like, a round trip per statement"
        public static let poolPipelined = "talab TPC-B-like, writes queued (pipeline)"
    }

    static let tpcb = (
        account: PostgresStatement(
            "bench.tpcb_account",
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"
        ),
        balance: PostgresStatement("bench.tpcb_balance", "SELECT abalance FROM pgbench_accounts WHERE aid = $1"),
        teller: PostgresStatement(
            "bench.tpcb_teller",
            "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2"
        ),
        branch: PostgresStatement(
            "bench.tpcb_branch",
            "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2"
        ),
        history: PostgresStatement(
            "bench.tpcb_history",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)"
        )
    )

    /// pgbench's own TPC-B-like transaction (its default script), as the worker's transactions are
    /// shaped: writes, one read whose answer is used, more writes, commit. Unpipelined, six round
    /// trips and the commit; with the writes queued, two.
    static func transaction(scale: Int, pipelined: Bool) -> @Sendable (PostgresConnection) async throws -> Void {
        { connection in
            let (aid, bid, tid) = (
                Int.random(in: 1...scale * 100_000), Int.random(in: 1...scale), Int.random(in: 1...scale * 10)
            )
            let delta = Int.random(in: -5_000...5_000)
            guard pipelined else {
                try await connection.executeScript("BEGIN", name: "bench.begin")
                try await connection.query(tpcb.account, [delta, aid])
                _ = try await connection.query(tpcb.balance, [aid])
                try await connection.query(tpcb.teller, [delta, tid])
                try await connection.query(tpcb.branch, [delta, bid])
                try await connection.query(tpcb.history, [tid, bid, aid, delta])
                try await connection.executeScript("COMMIT", name: "bench.commit")
                return
            }
            try await connection.withTransaction { connection in
                try await connection.queue(tpcb.account, [delta, aid])
                _ = try await connection.query(tpcb.balance, [aid])
                try await connection.queue(tpcb.teller, [delta, tid])
                try await connection.queue(tpcb.branch, [delta, bid])
                try await connection.queue(tpcb.history, [tid, bid, aid, delta])
            }
        }
    }

    static let select = PostgresStatement("bench.select", "SELECT abalance FROM pgbench_accounts WHERE aid = $1")
    static let insert = PostgresStatement("bench.insert", "INSERT INTO bench_events (aid, note) VALUES ($1, $2)")
    static let insertScript = """
        \\set aid random(1, 100000)
        INSERT INTO bench_events (aid, note) VALUES (:aid, 'talab');

        """
    static let createEvents = """
        DROP TABLE IF EXISTS bench_events;
        CREATE TABLE bench_events (id bigserial PRIMARY KEY, aid int NOT NULL, note text NOT NULL,
                                   created_at timestamptz NOT NULL DEFAULT now())
        """

    /// Runs every measurement against a database on `server` that it creates and fills itself.
    public func run(
        server: DatabaseURL,
        binaries: PostgresBinaries,
        progress: @Sendable (String) -> Void
    ) async throws
        -> Report
    {
        let url = try await BenchDatabase.fresh("talab_bench", on: server)
        progress("filling pgbench tables at scale \(scale) (\(scale * 100_000) accounts)")
        try await pgbench(binaries, url, ["-i", "-q", "-s", String(scale)])
        let pool = PostgresPool(url: url, maxConnections: connections)
        defer { pool.close() }
        try await pool.withConnection {
            try await $0.executeScript(DatabaseBenchmark.createEvents, name: "bench.events")
        }

        var figures: [Throughput] = []
        let clients = ["-c", String(connections), "-j", String(min(connections, 2)), "-T", String(seconds), "-n"]
        progress("measuring \(Names.pgbenchSelect) for \(seconds) s")
        figures.append(try await measurePgbench(Names.pgbenchSelect, binaries, url, ["-S", "-M", "simple"] + clients))
        progress("measuring \(Names.pgbenchSelectPrepared) for \(seconds) s")
        figures.append(
            try await measurePgbench(Names.pgbenchSelectPrepared, binaries, url, ["-S", "-M", "prepared"] + clients)
        )
        progress("measuring \(Names.poolSelect) for \(seconds) s")
        let accounts = scale * 100_000
        figures.append(
            try await measurePool(Names.poolSelect, pool) { connection in
                try await connection.query(DatabaseBenchmark.select, [Int.random(in: 1...accounts)])
            }
        )
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-insert-\(UUID()).sql")
        try Data(DatabaseBenchmark.insertScript.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        progress("measuring \(Names.pgbenchInsert) for \(seconds) s")
        figures.append(
            try await measurePgbench(
                Names.pgbenchInsert,
                binaries,
                url,
                ["-f", script.path, "-M", "prepared"] + clients
            )
        )
        progress("measuring \(Names.poolInsert) for \(seconds) s")
        figures.append(
            try await measurePool(Names.poolInsert, pool) { connection in
                try await connection.query(DatabaseBenchmark.insert, [Int.random(in: 1...100_000), "talab"])
            }
        )
        progress("measuring \(Names.pgbenchTransaction) for \(seconds) s")
        figures.append(try await measurePgbench(Names.pgbenchTransaction, binaries, url, ["-M", "prepared"] + clients))
        for (name, pipelined) in [(Names.poolTransaction, false), (Names.poolPipelined, true)] {
            progress("measuring \(name) for \(seconds) s")
            figures.append(
                try await measurePool(
                    name,
                    pool,
                    operation: DatabaseBenchmark.transaction(scale: scale, pipelined: pipelined)
                )
            )
        }
        return Report(figures: figures, connections: connections)
    }

    /// As many workers as connections, each running `operation` back to back until time is up.
    func measurePool(
        _ name: String,
        _ pool: PostgresPool,
        operation: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> Throughput {
        // Warm up: open every connection and prepare the statement on it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<connections { group.addTask { try await pool.withConnection(operation) } }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        let started = clock.now
        let operations = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        try await pool.withConnection(operation)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - started
        return Throughput(
            name: name,
            operations: operations,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    func measurePgbench(
        _ name: String,
        _ binaries: PostgresBinaries,
        _ url: DatabaseURL,
        _ arguments: [String]
    ) async throws -> Throughput {
        let output = try await pgbench(binaries, url, arguments)
        guard
            let processed = DatabaseBenchmark.number(after: "number of transactions actually processed: ", in: output),
            let tps = DatabaseBenchmark.number(after: "tps = ", in: output)
        else {
            throw ClusterError("could not read pgbench's figures from its output:\n\(output)")
        }
        return Throughput(name: name, operations: Int(processed), seconds: tps > 0 ? processed / tps : 0)
    }

    @discardableResult
    func pgbench(_ binaries: PostgresBinaries, _ url: DatabaseURL, _ arguments: [String]) async throws -> String {
        let connection = ["-h", url.host, "-p", String(url.port), "-U", url.user]
        let outcome = try await Subprocess.run(binaries.pgbench, connection + arguments + [url.database])
        guard outcome.succeeded else {
            throw ClusterError("pgbench \(arguments.joined(separator: " ")) failed: \(outcome.output)")
        }
        return outcome.output
    }

    static func number(after label: String, in text: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(digits)
    }
}
