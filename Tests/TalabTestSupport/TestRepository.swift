public import Foundation
import TalabStore

/// A git repository in a temporary folder, built with the `git` command as a person would.
public struct TestRepository: Sendable {
    public let folder: URL

    /// A new repository with one branch, `main`.
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talab-repo-\(UUID().uuidString.prefix(8))"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    public var path: String { folder.path }

    /// Writes a file (creating folders), relative to the repository's root.
    public func write(_ path: String, _ text: String) throws {
        try write(path, Data(text.utf8))
    }

    public func write(_ path: String, _ data: Data) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: folder.appendingPathComponent(path))
    }

    /// Stages everything and commits as the given author; returns the new commit's sha.
    @discardableResult
    public func commit(
        _ message: String,
        author: String = "Rima Haddad",
        email: String = "rima@example.com"
    ) throws
        -> String
    {
        try git("add", "-A")
        try git(
            "-c",
            "user.name=\(author)",
            "-c",
            "user.email=\(email)",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message
        )
        return try git("rev-parse", "HEAD")
    }

    /// Runs git in the repository and returns what it printed, trimmed.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try TestRepository.run(["-C", path] + arguments)
    }

    /// A bare clone of this repository in a new temporary folder.
    public func bareClone() throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talab-bare-\(UUID().uuidString.prefix(8)).git"
        )
        _ = try TestRepository.run(["clone", "-q", "--bare", path, target.path])
        return target
    }

    /// A working clone of the repository at `url` (its `origin`), as a server keeps one.
    public static func clone(_ url: URL) throws -> TestRepository {
        let repository = try TestRepository(empty: ())
        _ = try run(["clone", "-q", url.path, repository.path])
        return repository
    }

    /// A folder for a repository that does not exist yet.
    init(empty: Void) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talab-repo-\(UUID().uuidString.prefix(8))"
        )
    }

    public func delete() {
        try? FileManager.default.removeItem(at: folder)
    }

    public static func run(_ arguments: [String]) throws -> String {
        guard
            let git = ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"].first(
                where: FileManager.default.isExecutableFile
            )
        else { throw ClusterError("git is not installed") }
        let outcome = try Subprocess.runBlocking(git, arguments)
        guard outcome.succeeded else {
            throw ClusterError("git \(arguments.joined(separator: " ")) failed: \(outcome.output)")
        }
        return outcome.output
    }
}
