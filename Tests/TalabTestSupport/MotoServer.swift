public import Foundation
import Synchronization
import TalabDev
public import TalabStore

#if canImport(Glibc)
import Glibc
#endif

/// moto's server (PyPI `moto[server]`): DynamoDB and S3 on a loopback port, started by the tests
/// on first use and stopped at exit. AWS's own wire format, nothing on the Internet.
public actor MotoServer {
    /// A server that takes any credentials.
    public static let shared = MotoServer(checksCredentials: false)
    /// A server that checks credentials as AWS does (unknown keys are refused).
    public static let strict = MotoServer(checksCredentials: true)

    let checksCredentials: Bool
    private var starting: Task<URL, any Error>?
    static let pids = Mutex<[pid_t]>([])

    init(checksCredentials: Bool) { self.checksCredentials = checksCredentials }

    public static var available: Bool { Subprocess.find("moto_server") != nil }

    /// The credentials every test signs with (moto takes them; they are no one's).
    public static let credentials = (id: "AKIATALABTESTS0000000", secret: "talab-tests-secret-not-aws")

    /// Where the server listens, once it answers.
    public func endpoint() async throws -> URL {
        if let starting { return try await starting.value }
        let task = Task { try await MotoServer.start(checksCredentials: checksCredentials) }
        starting = task
        return try await task.value
    }

    static func start(checksCredentials: Bool) async throws -> URL {
        guard let program = Subprocess.find("moto_server") else {
            throw ClusterError("moto_server is not installed: make test installs it (pip install 'moto[server]')")
        }
        let port = try PrivateCluster.freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment
        if checksCredentials { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "0" }
        let pid = try Subprocess.spawn(program, ["-H", "127.0.0.1", "-p", String(port)], environment: environment)
        pids.withLock { pids in
            if pids.isEmpty {
                atexit { for pid in MotoServer.pids.withLock({ $0 }) { kill(pid, SIGTERM) } }
            }
            pids.append(pid)
        }
        let url = URL(string: "http://127.0.0.1:\(port)")!
        for _ in 0..<300 {
            // Something accepts connections there (the socket closes as it goes).
            if (try? LoopbackSocket(port: port)) != nil { return url }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterError("moto_server did not start on port \(port) within 30 s")
    }
}
