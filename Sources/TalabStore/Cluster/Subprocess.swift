public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion and collects what it printed (stdout and stderr together).
///
/// It uses `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose exit monitoring
/// can miss a child's end when the main thread has been handed to Dispatch, as test runners do.
/// Output goes to a file, not a pipe: `pg_ctl start` leaves a server running, and a pipe end that a
/// long-lived child inherits would keep a reader waiting for an end of file that never comes.
public struct Subprocess {
    public struct Outcome: Sendable {
        public let status: Int32
        public let output: String
        public var succeeded: Bool { status == 0 }
    }

    /// Runs the program on a thread of its own, so the caller's task does not block a pool thread.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) async throws(ClusterError) -> Outcome {
        let result: Result<Outcome, ClusterError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(ClusterError) {
                    continuation.resume(
                        returning: .success(try runBlocking(executable, arguments, environment: environment))
                    )
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "talab.subprocess"
            thread.start()
        }
        return try result.get()
    }

    /// Runs the program, blocking the calling thread until it exits; with this process's environment
    /// unless another is given.
    public static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) throws(ClusterError) -> Outcome {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("talab-subprocess-\(UUID())")
            .path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Threads of a Swift program may block signals, and a spawned child inherits the mask:
        // pgbench would never see the SIGALRM that ends its `-T` run. Start every child clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment?.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp ?? [] { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned =
            if let envp {
                posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], envp + [nil])
            } else {
                posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], environ)
            }
        guard spawned == 0 else {
            throw ClusterError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw ClusterError("lost track of \(executable): \(String(cString: strerror(errno)))")
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which Swift does not import: a signal's death reads as 128 + signal.
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitCode, output: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension Subprocess {
    /// The path of a program on `PATH`, or nil when it is not installed.
    public static func find(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts a program in the background, its output discarded (or written to the file at
    /// `output`, created afresh), and returns its process id.
    public static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        output: String? = nil
    ) throws(ClusterError)
        -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv + [nil], envp + [nil])
        guard spawned == 0 else {
            throw ClusterError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Waits for a process started with `spawn` to end; returns its exit status (128 + signal if killed).
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// Why the private cluster could not be created, started or stopped.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
