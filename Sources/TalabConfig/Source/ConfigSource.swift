public import Foundation

/// A file of the tenant repository: its path from the repository's root and its bytes.
public struct ConfigFile: Sendable, Hashable {
    public let path: String
    public let bytes: [UInt8]
    /// A symbolic link: never followed, and refused by validation (it could name any file of the
    /// machine that applies the configuration). `bytes` is then the path it points to.
    public let isSymbolicLink: Bool

    public init(path: String, bytes: [UInt8], isSymbolicLink: Bool = false) {
        self.path = path
        self.bytes = bytes
        self.isSymbolicLink = isSymbolicLink
    }
}

/// Where tenant configuration is read from: a commit (the truth) or a working tree (while editing).
public protocol ConfigSource: Sendable {
    /// Every file below `folder`, with paths from the repository's root.
    func files(under folder: String) throws -> [ConfigFile]
    /// What this source is, for messages: "commit 1a2b3c4d5e6f (main)", "working tree /src/talab".
    var label: String { get }
}

/// Configuration exactly as committed: uncommitted edits in the working tree are not seen.
public struct GitCommitSource: ConfigSource {
    public let repository: GitRepository
    public let commit: GitCommit
    public let revision: String

    public init(repository: GitRepository, revision: String) throws(GitError) {
        self.repository = repository
        self.revision = revision
        self.commit = try repository.commit(revision)
    }

    public func files(under folder: String) throws -> [ConfigFile] {
        try repository.files(at: commit, under: folder).map {
            ConfigFile(path: $0.path, bytes: $0.bytes, isSymbolicLink: $0.isSymbolicLink)
        }
    }

    public var label: String { "commit \(commit.shortSHA) (\(revision))" }
}

/// Configuration as it is on disk now, for a person editing locally (`--worktree`).
public struct WorktreeSource: ConfigSource {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public func files(under folder: String) throws -> [ConfigFile] {
        let base = root.appendingPathComponent(folder)
        guard
            let enumerator = FileManager.default.enumerator(
                at: base,
                includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey],
                options: [.skipsHiddenFiles]
            )
        else { return [] }
        var files: [ConfigFile] = []
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator {
            let kind = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            let full = url.standardizedFileURL.path
            let path = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full
            // A link is reported, never followed (the enumerator does not descend into one either).
            if kind?.isSymbolicLink == true {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? ""
                files.append(ConfigFile(path: path, bytes: Array(target.utf8), isSymbolicLink: true))
                continue
            }
            guard kind?.isRegularFile == true, let data = FileManager.default.contents(atPath: url.path) else {
                continue
            }
            files.append(ConfigFile(path: path, bytes: Array(data)))
        }
        return files.sorted { $0.path < $1.path }
    }

    public var label: String { "working tree \(root.path)" }
}

/// Another source with some files replaced: a change checked before it is committed.
public struct EditedSource: ConfigSource {
    public let base: any ConfigSource
    /// The replaced files' bytes, by path from the repository's root.
    public let edits: [String: [UInt8]]

    public init(base: any ConfigSource, edits: [String: [UInt8]]) {
        self.base = base
        self.edits = edits
    }

    public func files(under folder: String) throws -> [ConfigFile] {
        try base.files(under: folder).map { file in
            edits[file.path].map { ConfigFile(path: file.path, bytes: $0) } ?? file
        }
    }

    public var label: String { "\(base.label), edited" }
}
