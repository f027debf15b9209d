public import Foundation

/// Where content-addressed files (menu and item images) are kept and served from.
///
/// Keys are made by Talab (`images/<git blob id>.png`), never taken from user input, and an object
/// is never changed once stored: the same key always means the same bytes. A local directory is the
/// default; an S3 backend implements the same three calls.
public protocol ObjectStore: Sendable {
    /// Whether an object is stored under this key.
    func contains(_ key: String) async throws -> Bool
    /// Stores the bytes under the key, all or nothing.
    func put(_ key: String, _ bytes: [UInt8], contentType: String) async throws
    /// The URL clients fetch the object from.
    func url(of key: String) -> String
}

/// An object store in a local directory, served under `baseURL` (by `talab serve` or a web server).
public struct LocalObjectStore: ObjectStore {
    public let directory: URL
    public let baseURL: String

    /// `baseURL` ends with `/`; the default `/objects/` is the path `talab serve` answers on.
    public init(directory: URL, baseURL: String = "/objects/") {
        self.directory = directory
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
    }

    public func contains(_ key: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: try file(key).path)
    }

    /// Writes a temporary file next to the final one and renames it: a reader never sees half a file.
    public func put(_ key: String, _ bytes: [UInt8], contentType: String) async throws {
        let target = try file(key)
        let folder = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw ObjectStoreError(.failed, "cannot store \(key): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    public func url(of key: String) -> String { baseURL + key }

    /// The file of a key; a key that could leave the directory is refused.
    public func file(_ key: String) throws -> URL {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else {
            throw ObjectStoreError(.invalidKey, "not an object key: \(key)")
        }
        return directory.appendingPathComponent(key)
    }
}

public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// A stable code, for programs: its text (`invalid_key`) is what messages carry.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        /// A key that is not `images/<blob id>.<ext>` (or another key this store names).
        public static let invalidKey = Code(value: "invalid_key")
        /// The backend could not write or read it.
        public static let failed = Code(value: "failed")
        /// The backend refused the credentials it was given.
        public static let badCredentials = Code(value: "bad_credentials")
        /// The bucket or folder does not exist.
        public static let missingBucket = Code(value: "missing_bucket")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
