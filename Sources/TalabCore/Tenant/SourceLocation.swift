/// Where a piece of configuration was written: a file of the tenant repository and a position in it.
///
/// The reconciler records it with every change it applies, so an audit entry can point at the line
/// that caused it.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
