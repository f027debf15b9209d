import CGit2

/// A libgit2 failure, with libgit2's own message.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// libgit2's error code, such as -3 (`GIT_ENOTFOUND`).
    public let code: Int32
    /// What we were doing: "open repository", "resolve revision 'main'".
    public let operation: String
    public let message: String

    public init(code: Int32, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    /// Reads libgit2's thread-local error right after a call returned `code`.
    static func last(_ code: Int32, _ operation: String) -> GitError {
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "libgit2 error \(code)"
        return GitError(code: code, operation: operation, message: message)
    }

    /// Throws when a libgit2 call returned a negative code.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) {
        if code < 0 { throw last(code, operation()) }
    }
}
