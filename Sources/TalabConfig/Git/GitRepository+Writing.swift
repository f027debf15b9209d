import CGit2
import Foundation

/// Writing to a repository: the dashboard's small catalog changes ("86" an item) become commits,
/// authored by the person who made them, pushed to the repository's upstream.
extension GitRepository {
    /// Who wrote a change.
    public struct Author: Sendable, Equatable {
        public let name: String
        public let email: String

        public init(name: String, email: String) {
            self.name = name
            self.email = email
        }
    }

    /// Commits `contents` at `path` (relative to the root) on top of the current branch's head, as
    /// `author` (the committer is `committer`), moves the branch, and makes the working tree match
    /// when there is one. Answers the new commit.
    public func commitFile(
        _ path: String,
        contents: [UInt8],
        message: String,
        author: Author,
        committer: Author
    ) throws(GitError) -> GitCommit {
        try locked { () throws(GitError) in
            let parent = try lookupCommit("HEAD")
            defer { git_commit_free(parent) }
            var baseline: OpaquePointer?
            try GitError.check(git_commit_tree(&baseline, parent), "read HEAD's tree")
            defer { git_tree_free(baseline) }
            var blob = git_oid()
            try GitError.check(
                contents.withUnsafeBytes { git_blob_create_from_buffer(&blob, handle, $0.baseAddress, $0.count) },
                "write \(path)"
            )
            var treeID = git_oid()
            let code = path.withCString { pathPointer in
                var update = git_tree_update(
                    action: GIT_TREE_UPDATE_UPSERT,
                    id: blob,
                    filemode: GIT_FILEMODE_BLOB,
                    path: pathPointer
                )
                return git_tree_create_updated(&treeID, handle, baseline, 1, &update)
            }
            try GitError.check(code, "build the tree with \(path)")
            var tree: OpaquePointer?
            try GitError.check(git_tree_lookup(&tree, handle, &treeID), "read the new tree")
            defer { git_tree_free(tree) }
            let authorSignature = try GitRepository.makeSignature(author)
            defer { git_signature_free(authorSignature) }
            let committerSignature = try GitRepository.makeSignature(committer)
            defer { git_signature_free(committerSignature) }
            var commitID = git_oid()
            var parents: [OpaquePointer?] = [parent]
            let created = parents.withUnsafeMutableBufferPointer { buffer in
                git_commit_create(
                    &commitID,
                    handle,
                    "HEAD",
                    authorSignature,
                    committerSignature,
                    "UTF-8",
                    message,
                    tree,
                    1,
                    buffer.baseAddress
                )
            }
            try GitError.check(created, "commit \(path)")
            if workingDirectory != nil {
                var options = git_checkout_options()
                git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
                options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
                try GitError.check(git_checkout_head(handle, &options), "update the working tree")
            }
            var commit: OpaquePointer?
            try GitError.check(git_commit_lookup(&commit, handle, &commitID), "read the new commit")
            defer { git_commit_free(commit) }
            return describe(commit!)
        }
    }

    static func makeSignature(_ author: Author) throws(GitError) -> UnsafeMutablePointer<git_signature> {
        var signature: UnsafeMutablePointer<git_signature>?
        try GitError.check(git_signature_now(&signature, author.name, author.email), "sign as \(author.name)")
        return signature!
    }

    /// The branch HEAD is on (`main`); nil when HEAD is detached.
    public var currentBranch: String? {
        try? locked { () throws(GitError) -> String? in
            var reference: OpaquePointer?
            guard git_repository_head(&reference, handle) == 0, let reference else { return nil }
            defer { git_reference_free(reference) }
            guard git_reference_is_branch(reference) == 1 else { return nil }
            return String(cString: git_reference_shorthand(reference))
        } ?? nil
    }

    /// Whether the repository has a remote of that name.
    public func hasRemote(_ name: String = "origin") -> Bool {
        (try? locked { () throws(GitError) -> Bool in
            var remote: OpaquePointer?
            guard git_remote_lookup(&remote, handle, name) == 0 else { return false }
            git_remote_free(remote)
            return true
        }) ?? false
    }

    /// Fetches `branch` from `remote` and answers the commit it is at there.
    public func fetch(_ branch: String, from remote: String = "origin") throws(GitError) -> GitCommit {
        try locked { () throws(GitError) in
            var handleRemote: OpaquePointer?
            try GitError.check(git_remote_lookup(&handleRemote, handle, remote), "find the remote \(remote)")
            defer { git_remote_free(handleRemote) }
            let refspec = strdup("+refs/heads/\(branch):refs/remotes/\(remote)/\(branch)")
            defer { free(refspec) }
            var specs: [UnsafeMutablePointer<CChar>?] = [refspec]
            let code = specs.withUnsafeMutableBufferPointer { buffer in
                var array = git_strarray(strings: buffer.baseAddress, count: 1)
                return git_remote_fetch(handleRemote, &array, nil, "talab fetch")
            }
            try GitError.check(code, "fetch \(branch) from \(remote)")
            let tip = try lookupCommit("refs/remotes/\(remote)/\(branch)")
            defer { git_commit_free(tip) }
            return describe(tip)
        }
    }

    /// Points the current branch (and the working tree) at `commit`, dropping what is not in it.
    public func reset(to commit: GitCommit) throws(GitError) {
        try locked { () throws(GitError) in
            let target = try lookupCommit(commit.sha)
            defer { git_commit_free(target) }
            var options = git_checkout_options()
            git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
            options.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
            let mode = workingDirectory == nil ? GIT_RESET_SOFT : GIT_RESET_HARD
            try GitError.check(git_reset(handle, target, mode, &options), "reset to \(commit.shortSHA)")
        }
    }

    /// Pushes `branch` to `remote`. A push the remote refuses (someone pushed first: not a
    /// fast-forward) throws with `isRejected`.
    public func push(_ branch: String, to remote: String = "origin") throws(GitError) {
        try locked { () throws(GitError) in
            var handleRemote: OpaquePointer?
            try GitError.check(git_remote_lookup(&handleRemote, handle, remote), "find the remote \(remote)")
            defer { git_remote_free(handleRemote) }
            let refspec = strdup("refs/heads/\(branch):refs/heads/\(branch)")
            defer { free(refspec) }
            var specs: [UnsafeMutablePointer<CChar>?] = [refspec]
            let rejection = PushRejection()
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            options.callbacks.payload = Unmanaged.passUnretained(rejection).toOpaque()
            options.callbacks.push_update_reference = { _, status, payload in
                if let status, let payload {
                    Unmanaged<PushRejection>.fromOpaque(payload).takeUnretainedValue().message = String(cString: status)
                }
                return 0
            }
            let code = specs.withUnsafeMutableBufferPointer { buffer in
                var array = git_strarray(strings: buffer.baseAddress, count: 1)
                return git_remote_push(handleRemote, &array, &options)
            }
            if code < 0 {
                let error = GitError.last(code, "push \(branch) to \(remote)")
                if code == GIT_ENONFASTFORWARD.rawValue || error.message.contains("fast-forward") {
                    throw GitError(code: GitError.rejected, operation: error.operation, message: error.message)
                }
                throw error
            }
            if let message = rejection.message {
                throw GitError(code: GitError.rejected, operation: "push \(branch) to \(remote)", message: message)
            }
        }
    }
}

/// What the remote said about a reference it refused.
private final class PushRejection {
    var message: String?
}

extension GitError {
    /// Our code for a push the remote refused (libgit2 reports it in a callback, not as a code).
    public static let rejected: Int32 = -10_001
    public var isRejected: Bool { code == GitError.rejected }
}
