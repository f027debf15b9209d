public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster of our own in a folder, started from the installed server programs.
///
/// The tests and `talab db` use it, so nothing has to be running beforehand. When the process runs
/// as root, the cluster runs as the `postgres` user (initdb refuses root). It listens on a free
/// loopback port only; local roles connect without a password, except members of
/// `talab_password_login`, who must give theirs (so password handling can be tested for real).
public struct PrivateCluster: Sendable {
    /// The folder holding `data/`, `server.log` and nothing else of ours.
    public let folder: URL
    public let binaries: PostgresBinaries
    /// With `durable: false` the server skips fsync: fast throwaway clusters for tests.
    public let durable: Bool

    /// Members of this role authenticate with a password over TCP; every other role is trusted.
    public static let passwordLoginRole = "talab_password_login"
    static let superuser = "postgres"

    public init(folder: URL, binaries: PostgresBinaries, durable: Bool = true) {
        self.folder = folder.standardizedFileURL
        self.binaries = binaries
        self.durable = durable
    }

    public var dataDirectory: URL { folder.appendingPathComponent("data") }
    public var logFile: URL { folder.appendingPathComponent("server.log") }

    public enum Status: Sendable, Equatable {
        case notInitialized
        case stopped
        case running(port: Int)
    }

    public var status: Status {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return .notInitialized
        }
        guard let outcome = try? run(binaries.pgCtl, ["status", "-D", dataDirectory.path]), outcome.succeeded,
            let port = runningPort
        else { return .stopped }
        return .running(port: port)
    }

    /// The URL of a database on this cluster as the superuser, which needs no password.
    public func url(database: String = "postgres") throws(ClusterError) -> DatabaseURL {
        guard case .running(let port) = status else {
            throw ClusterError("the cluster in \(folder.path) is not running; start it with: talab db start")
        }
        return DatabaseURL(
            host: "127.0.0.1",
            port: port,
            user: PrivateCluster.superuser,
            database: database,
            sslMode: "disable"
        )
    }

    /// Creates the cluster if the folder has none, starts it if it is not running, and returns its URL.
    @discardableResult
    public func start() async throws -> DatabaseURL {
        var fresh = false
        if status == .notInitialized {
            try await initialize()
            fresh = true
        }
        if case .stopped = status {
            try await launch()
        }
        let url = try url()
        if fresh {
            let connection = try await PostgresConnection.connect(url)
            try await connection.executeScript(
                "CREATE ROLE \(PrivateCluster.passwordLoginRole) NOLOGIN",
                name: "cluster.password_role"
            )
        }
        return url
    }

    /// Stops the server; `immediate` skips the shutdown checkpoint (fine for throwaway clusters).
    public func stop(immediate: Bool = false) throws(ClusterError) {
        guard case .running = status else { return }
        let outcome = try run(
            binaries.pgCtl,
            ["stop", "-D", dataDirectory.path, "-m", immediate ? "immediate" : "fast", "-w", "-t", "30"]
        )
        guard outcome.succeeded else {
            throw ClusterError("pg_ctl stop failed: \(outcome.output)")
        }
    }

    private func initialize() async throws(ClusterError) {
        try prepareFolder()
        let outcome = try await runAsync(
            binaries.initdb,
            [
                "-D", dataDirectory.path, "-U", PrivateCluster.superuser, "--auth=trust", "--encoding=UTF8",
                "--no-locale", "--no-sync",
            ]
        )
        guard outcome.succeeded else {
            throw ClusterError("initdb failed in \(dataDirectory.path): \(outcome.output)")
        }
        let settings =
            [
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = ''",
                "max_connections = 200",
                "logging_collector = off",
                // What docs/deploy.md asks of a production server: the queues' autovacuum
                // thresholds (migration 0039) are looked at every 10 s, not every minute.
                "autovacuum_naptime = 10s",
            ] + (durable ? [] : ["fsync = off", "synchronous_commit = off", "full_page_writes = off"])
        let hba = """
            # Written by talab: loopback only; members of \(PrivateCluster.passwordLoginRole) need a password.
            local all all trust
            host all +\(PrivateCluster.passwordLoginRole) 127.0.0.1/32 scram-sha-256
            host all all 127.0.0.1/32 trust

            """
        try append(settings.joined(separator: "\n") + "\n", to: "postgresql.conf")
        try write(hba, to: "pg_hba.conf")
    }

    private func launch() async throws(ClusterError) {
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try PrivateCluster.freeLoopbackPort()
            let outcome = try await runAsync(
                binaries.pgCtl,
                ["start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-o", "-p \(port)"]
            )
            if outcome.succeeded { return }
            lastFailure = outcome.output
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            // Another program may take the port between our probe and the server's bind: try another.
            guard log.contains("could not bind") || log.contains("Address already in use") else { break }
        }
        let tail = ((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").split(separator: "\n").suffix(5)
        throw ClusterError(
            "the PostgreSQL server in \(dataDirectory.path) did not start: \(lastFailure)\n"
                + tail.joined(separator: "\n")
        )
    }

    /// The port in `postmaster.pid` (its fourth line), present while the server runs.
    private var runningPort: Int? {
        guard
            let text = try? String(
                contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"),
                encoding: .utf8
            )
        else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 3 ? Int(lines[3]) : nil
    }

    private func prepareFolder() throws(ClusterError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ClusterError("cannot create \(folder.path): \(error.localizedDescription)")
        }
        guard let owner = PrivateCluster.unprivilegedOwner else { return }
        guard chown(folder.path, owner.uid, owner.gid) == 0, chmod(folder.path, 0o700) == 0 else {
            throw ClusterError("cannot hand \(folder.path) to the postgres user: \(String(cString: strerror(errno)))")
        }
        let probe = try run("/usr/bin/test", ["-w", folder.path])
        guard probe.succeeded else {
            throw ClusterError(
                "the postgres user cannot reach \(folder.path): every parent folder must be searchable by it "
                    + "(chmod o+x), or choose another folder"
            )
        }
    }

    private func append(_ text: String, to file: String) throws(ClusterError) {
        let url = dataDirectory.appendingPathComponent(file)
        guard let handle = try? FileHandle(forWritingTo: url) else {
            throw ClusterError("cannot write \(url.path)")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
    }

    private func write(_ text: String, to file: String) throws(ClusterError) {
        let url = dataDirectory.appendingPathComponent(file)
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            throw ClusterError("cannot write \(url.path): \(error.localizedDescription)")
        }
        if let owner = PrivateCluster.unprivilegedOwner {
            _ = chown(url.path, owner.uid, owner.gid)
        }
    }

    /// Runs a quick server program, as the `postgres` user when we are root.
    private func run(_ program: String, _ arguments: [String]) throws(ClusterError) -> Subprocess.Outcome {
        let (executable, arguments) = try asServerUser(program, arguments)
        return try Subprocess.runBlocking(executable, arguments)
    }

    /// Runs a slow server program (initdb, pg_ctl start) off the caller's thread.
    private func runAsync(_ program: String, _ arguments: [String]) async throws(ClusterError) -> Subprocess.Outcome {
        let (executable, arguments) = try asServerUser(program, arguments)
        return try await Subprocess.run(executable, arguments)
    }

    /// The command line that runs a program as the `postgres` user when we are root, as itself otherwise.
    private func asServerUser(_ program: String, _ arguments: [String]) throws(ClusterError) -> (String, [String]) {
        guard PrivateCluster.unprivilegedOwner != nil else { return (program, arguments) }
        guard let runuser = Subprocess.find("runuser") else {
            throw ClusterError("running as root needs runuser (util-linux) to start PostgreSQL as postgres")
        }
        return (runuser, ["-u", PrivateCluster.superuser, "--", program] + arguments)
    }

    /// The `postgres` user's ids when this process is root, since initdb and the server refuse root.
    static var unprivilegedOwner: (uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0 else { return nil }
        guard let entry = getpwnam(superuser) else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// Asks the kernel for a free TCP port on 127.0.0.1 (free now; nothing holds it for us). A port
    /// this process was already given is never given again, so that servers started side by side
    /// (tests running in parallel) do not race for the same one.
    public static func freeLoopbackPort() throws(ClusterError) -> Int {
        for _ in 0..<32 {
            let port = try kernelFreeLoopbackPort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw ClusterError("cannot find a loopback port not yet handed out")
    }

    private static let handedOut = Mutex(Set<Int>())

    private static func kernelFreeLoopbackPort() throws(ClusterError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClusterError("cannot open a socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else { throw ClusterError("cannot find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
