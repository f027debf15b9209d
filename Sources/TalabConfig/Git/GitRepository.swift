import CGit2
import Foundation
import TalabCore

/// A git repository read through libgit2: revisions, trees, blobs, diffs and commit metadata.
///
/// Configuration is always read from a commit, never from the working copy, so what CI validates is
/// exactly what was committed. Bare repositories work the same way.
///
/// libgit2 blocks the calling thread while it reads (and, next, writes) objects. A command line may
/// call the methods directly; a server calls them through `run`, which does the work on the
/// repository's own thread so that no request starves Swift's cooperative pool.
public final class GitRepository: @unchecked Sendable {
    // `@unchecked Sendable`: libgit2 objects must not be used from two threads at once; every use of
    // `handle` happens inside `lock`.
    let handle: OpaquePointer
    private let lock = NSLock()
    /// The thread `run` does its work on.
    private let executor = DedicatedThreadExecutor(name: "talab.git")
    /// The `.git` folder (or the bare repository's folder).
    public let gitDirectory: String
    /// The working tree's folder; nil for a bare repository.
    public let workingDirectory: String?

    /// Opens the repository that holds `path`, searching upward from it as git does.
    public init(discoveringFrom path: String) throws(GitError) {
        _ = LibGit2.ready
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, 0, nil)
        guard code == 0, let repository else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError(
                    code: code,
                    operation: "open repository",
                    message: "\(path) is not inside a git repository"
                )
            }
            throw GitError.last(code, "open repository at \(path)")
        }
        handle = repository
        gitDirectory = String(cString: git_repository_path(repository))
        workingDirectory = git_repository_workdir(repository).map { String(cString: $0) }
    }

    deinit {
        git_repository_free(handle)
        executor.shutdown()
    }

    /// Runs `body` (calls of this repository) on the repository's own thread, off the cooperative
    /// pool, and returns its result.
    public func run<Result: Sendable>(
        _ body: @escaping @Sendable (GitRepository) throws(GitError) -> Result
    ) async throws(GitError) -> Result {
        try await executor.perform { () throws(GitError) in try body(self) }
    }

    public var isBare: Bool { workingDirectory == nil }

    /// Resolves any revision git understands (`HEAD`, `main`, `origin/main`, a short sha, `HEAD~1`) to its commit.
    public func commit(_ revision: String) throws(GitError) -> GitCommit {
        try locked { () throws(GitError) in
            let commit = try lookupCommit(revision)
            defer { git_commit_free(commit) }
            return describe(commit)
        }
    }

    /// Every file below `folder` in the commit's tree, with its bytes; empty when the folder is absent.
    public func files(at commit: GitCommit, under folder: String) throws(GitError) -> [GitFile] {
        try locked { () throws(GitError) in
            guard let tree = try subtree(of: commit, at: folder) else { return [] }
            defer { git_tree_free(tree) }
            let walk = TreeWalk(repository: handle, prefix: folder.isEmpty ? "" : folder + "/")
            let code = git_tree_walk(
                tree,
                GIT_TREEWALK_PRE,
                TreeWalk.callback,
                Unmanaged.passUnretained(walk).toOpaque()
            )
            if let failure = walk.failure { throw failure }
            try GitError.check(code, "read the tree of \(folder) at \(commit.shortSHA)")
            return walk.files
        }
    }

    /// The object id of the tree or blob at `path` in the commit, or nil when there is none.
    public func objectSHA(at commit: GitCommit, path: String) throws(GitError) -> String? {
        try locked { () throws(GitError) in
            try entrySHA(commit, path)
        }
    }

    /// The tree id of every folder directly inside `folder` at the commit, by name (a tenant's subtree id).
    public func entries(at commit: GitCommit, in folder: String) throws(GitError) -> [String: String] {
        try locked { () throws(GitError) in
            guard let tree = try subtree(of: commit, at: folder) else { return [:] }
            defer { git_tree_free(tree) }
            var entries: [String: String] = [:]
            for index in 0..<git_tree_entrycount(tree) {
                guard let entry = git_tree_entry_byindex(tree, index), git_tree_entry_type(entry) == GIT_OBJECT_TREE
                else {
                    continue
                }
                entries[String(cString: git_tree_entry_name(entry))] = GitRepository.hex(git_tree_entry_id(entry))
            }
            return entries
        }
    }

    /// The paths that differ between two commits, optionally only below `folder`; renames are detected.
    public func changes(
        from old: GitCommit?,
        to new: GitCommit,
        under folder: String? = nil
    ) throws(GitError)
        -> [GitChange]
    {
        try locked { () throws(GitError) in
            let newTree = try tree(of: new)
            defer { git_tree_free(newTree) }
            let oldTree = try old.map { (commit) throws(GitError) in try tree(of: commit) }
            defer { if let oldTree { git_tree_free(oldTree) } }
            var options = git_diff_options()
            try GitError.check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "diff options")
            var diff: OpaquePointer?
            let pattern = folder.map { strdup($0 + "/") }
            defer { pattern.map { free($0) } }
            var patterns: [UnsafeMutablePointer<CChar>?] = [pattern ?? nil]
            let code = patterns.withUnsafeMutableBufferPointer { buffer in
                if folder != nil {
                    options.pathspec = git_strarray(strings: buffer.baseAddress, count: 1)
                }
                return git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
            }
            try GitError.check(code, "diff \(old?.shortSHA ?? "(empty)")..\(new.shortSHA)")
            defer { git_diff_free(diff) }
            var find = git_diff_find_options()
            git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
            find.flags = GIT_DIFF_FIND_RENAMES.rawValue
            try GitError.check(git_diff_find_similar(diff, &find), "find renames")
            var changes: [GitChange] = []
            for index in 0..<git_diff_num_deltas(diff) {
                guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
                let status: GitChange.Status
                switch delta.status {
                case GIT_DELTA_ADDED: status = .added
                case GIT_DELTA_DELETED: status = .deleted
                case GIT_DELTA_RENAMED: status = .renamed
                case GIT_DELTA_TYPECHANGE: status = .typeChanged
                default: status = .modified
                }
                changes.append(
                    GitChange(
                        status: status,
                        oldPath: String(cString: delta.old_file.path),
                        newPath: String(cString: delta.new_file.path)
                    )
                )
            }
            return changes
        }
    }

    func locked<Result>(_ body: () throws(GitError) -> Result) throws(GitError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func lookupCommit(_ revision: String) throws(GitError) -> OpaquePointer {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, revision)
        guard code == 0, let object else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError(
                    code: code,
                    operation: "resolve revision",
                    message: "no revision '\(revision)' in \(gitDirectory)"
                )
            }
            throw GitError.last(code, "resolve revision '\(revision)'")
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        try GitError.check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "'\(revision)' is not a commit")
        guard let peeled else {
            throw GitError(code: -1, operation: "resolve revision", message: "'\(revision)' is not a commit")
        }
        return peeled
    }

    func tree(of commit: GitCommit) throws(GitError) -> OpaquePointer {
        var oid = git_oid()
        try GitError.check(git_oid_fromstr(&oid, commit.treeSHA), "tree id \(commit.treeSHA)")
        var tree: OpaquePointer?
        try GitError.check(git_tree_lookup(&tree, handle, &oid), "read the tree of \(commit.shortSHA)")
        return tree!
    }

    /// The tree at `folder` in the commit, or nil when no such folder exists there.
    private func subtree(of commit: GitCommit, at folder: String) throws(GitError) -> OpaquePointer? {
        let root = try tree(of: commit)
        guard !folder.isEmpty else { return root }
        defer { git_tree_free(root) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, folder)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "find \(folder) at \(commit.shortSHA)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        var tree: OpaquePointer?
        try GitError.check(git_tree_lookup(&tree, handle, git_tree_entry_id(entry)), "read \(folder)")
        return tree
    }

    private func entrySHA(_ commit: GitCommit, _ path: String) throws(GitError) -> String? {
        let root = try tree(of: commit)
        defer { git_tree_free(root) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "find \(path) at \(commit.shortSHA)")
        defer { git_tree_entry_free(entry) }
        return GitRepository.hex(git_tree_entry_id(entry))
    }

    func describe(_ commit: OpaquePointer) -> GitCommit {
        let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        return GitCommit(
            sha: GitRepository.hex(git_commit_id(commit)),
            treeSHA: GitRepository.hex(git_commit_tree_id(commit)),
            author: GitRepository.signature(git_commit_author(commit)),
            committer: GitRepository.signature(git_commit_committer(commit)),
            message: message,
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
            trailers: GitRepository.trailers(of: message)
        )
    }

    static func signature(_ signature: UnsafePointer<git_signature>?) -> GitSignature {
        guard let signature = signature?.pointee else {
            return GitSignature(name: "", email: "", time: Date(timeIntervalSince1970: 0), utcOffsetMinutes: 0)
        }
        return GitSignature(
            name: String(cString: signature.name),
            email: String(cString: signature.email),
            time: Date(timeIntervalSince1970: TimeInterval(signature.when.time)),
            utcOffsetMinutes: Int(signature.when.offset)
        )
    }

    static func trailers(of message: String) -> [GitCommit.Trailer] {
        var array = git_message_trailer_array()
        guard git_message_trailers(&array, message) == 0 else { return [] }
        defer { git_message_trailer_array_free(&array) }
        return (0..<array.count).map { index in
            let trailer = array.trailers[index]
            return GitCommit.Trailer(key: String(cString: trailer.key), value: String(cString: trailer.value))
        }
    }

    /// The id git gives a file with these bytes, whether or not any repository holds it.
    public static func blobID(of bytes: [UInt8]) -> String {
        _ = LibGit2.ready
        var oid = git_oid()
        let code = bytes.withUnsafeBytes { git_odb_hash(&oid, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        precondition(code == 0, "git_odb_hash cannot fail on a buffer")
        return withUnsafePointer(to: &oid) { hex($0) }
    }

    static func hex(_ oid: UnsafePointer<git_oid>?) -> String {
        // git_oid_tostr_s writes into a thread-local buffer, copied out at once.
        guard let oid, let text = git_oid_tostr_s(oid) else { return "" }
        return String(cString: text)
    }
}

/// State for `git_tree_walk`'s C callback, which cannot capture: it arrives through the payload pointer.
private final class TreeWalk {
    let repository: OpaquePointer
    let prefix: String
    var files: [GitFile] = []
    var failure: GitError?

    init(repository: OpaquePointer, prefix: String) {
        self.repository = repository
        self.prefix = prefix
    }

    static let callback: git_treewalk_cb = { root, entry, payload in
        let walk = Unmanaged<TreeWalk>.fromOpaque(payload!).takeUnretainedValue()
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return 0 }
        var blob: OpaquePointer?
        let code = git_blob_lookup(&blob, walk.repository, git_tree_entry_id(entry))
        let path = walk.prefix + String(cString: root!) + String(cString: git_tree_entry_name(entry))
        guard code == 0, let blob else {
            walk.failure = GitError.last(code, "read \(path)")
            return -1
        }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        let bytes =
            size == 0
            ? []
            : Array(
                UnsafeBufferPointer(start: git_blob_rawcontent(blob).assumingMemoryBound(to: UInt8.self), count: size)
            )
        walk.files.append(
            GitFile(
                path: path,
                bytes: bytes,
                blobSHA: GitRepository.hex(git_tree_entry_id(entry)),
                isSymbolicLink: git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK
            )
        )
        return 0
    }
}
