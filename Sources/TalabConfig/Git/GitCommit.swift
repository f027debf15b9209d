public import Foundation

/// Who made a commit, and when.
public struct GitSignature: Sendable, Hashable {
    public let name: String
    public let email: String
    public let time: Date
    /// Minutes east of UTC where it was made.
    public let utcOffsetMinutes: Int
}

/// A commit's identity and metadata: what the audit log records as the author of a change.
public struct GitCommit: Sendable, Hashable {
    /// The full 40-character hex id.
    public let sha: String
    public let treeSHA: String
    public let author: GitSignature
    public let committer: GitSignature
    public let message: String
    /// The first paragraph of the message, on one line.
    public let summary: String
    /// `Key: value` lines at the end of the message (`Signed-off-by`, `Reviewed-by`, …), in order.
    public let trailers: [Trailer]

    public struct Trailer: Sendable, Hashable {
        public let key: String
        public let value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public var shortSHA: String { String(sha.prefix(12)) }
}

/// A file of a commit's tree: its path from the repository's root and its bytes.
public struct GitFile: Sendable, Hashable {
    public let path: String
    public let bytes: [UInt8]
    /// The blob's id: equal ids mean equal content.
    public let blobSHA: String
    /// A symbolic link (mode 120000): `bytes` is the path it points to, not a file's content.
    public let isSymbolicLink: Bool

    public init(path: String, bytes: [UInt8], blobSHA: String, isSymbolicLink: Bool = false) {
        self.path = path
        self.bytes = bytes
        self.blobSHA = blobSHA
        self.isSymbolicLink = isSymbolicLink
    }
}

/// A path that differs between two commits.
public struct GitChange: Sendable, Hashable {
    public enum Status: String, Sendable {
        case added
        case deleted
        case modified
        case renamed
        case typeChanged = "type_changed"
    }

    public let status: Status
    public let oldPath: String
    public let newPath: String

    public init(status: Status, oldPath: String, newPath: String) {
        self.status = status
        self.oldPath = oldPath
        self.newPath = newPath
    }
}
