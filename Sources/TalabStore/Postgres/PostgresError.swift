/// An error from the PostgreSQL layer.
///
/// It carries a stable code, the server's SQLSTATE and primary message when the server sent one,
/// and the name of the failing statement. It never carries bound parameter values, which may be
/// customers' data, nor a password.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable enough to branch on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let value: String
        init(_ value: String) { self.value = value }
        public var description: String { value }

        public static let invalidURL = Code("invalid_url")
        public static let connectionRefused = Code("connection_refused")
        public static let authenticationFailed = Code("authentication_failed")
        public static let connectionFailed = Code("connection_failed")
        public static let connectionClosed = Code("connection_closed")
        public static let server = Code("server_error")
        public static let typeMismatch = Code("type_mismatch")
        public static let decoding = Code("decoding_failed")
        public static let noSuchColumn = Code("no_such_column")
        public static let poolTimeout = Code("pool_timeout")
        public static let poolClosed = Code("pool_closed")
        /// A statement's parameters and the values bound to them do not match (a programming error).
        public static let binding = Code("binding")
    }

    public var code: Code
    public var message: String
    /// The five-character SQLSTATE the server reported, such as `23505`.
    public var sqlState: String?
    /// The statement that failed, by the name it was declared with.
    public var statement: String?
    /// The constraint the server named, for integrity violations.
    public var constraint: String?
    /// 1-based character position in the statement's text where the server found the error.
    public var position: Int?

    public init(
        _ code: Code,
        _ message: String,
        sqlState: String? = nil,
        statement: String? = nil,
        constraint: String? = nil,
        position: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.statement = statement
        self.constraint = constraint
        self.position = position
    }

    public var description: String {
        var text = ""
        if let statement { text += "\(statement): " }
        if let sqlState { text += "ERROR \(sqlState): " }
        return text + message
    }

    /// Whether the server refused the statement because a unique index already holds the value.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isNotNullViolation: Bool { sqlState == "23502" }
    public var isInvalidTextRepresentation: Bool { sqlState == "22P02" }
}
