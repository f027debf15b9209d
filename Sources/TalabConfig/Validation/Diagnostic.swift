/// One finding about a tenant file, at a position: `file:line:col: error: message`.
public struct Diagnostic: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error
        case warning
    }

    /// The path from the repository's root, such as `Tenants/abu-salim-grill/menus/main.yaml`.
    public let file: String
    public let line: Int
    public let column: Int
    public let severity: Severity
    /// A stable code a script can match on: `unknown_key`, `too_many_decimals`, `yaml_syntax`, …
    public let code: String
    public let message: String

    public init(file: String, line: Int, column: Int, severity: Severity, code: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.code = code
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }

    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.file, lhs.line, lhs.column, lhs.message) < (rhs.file, rhs.line, rhs.column, rhs.message)
    }
}
