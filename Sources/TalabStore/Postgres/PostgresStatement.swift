/// A SQL statement with a name, declared once as a constant beside the code that runs it.
///
/// Parameters are always bound (`$1`, `$2`, …), never spliced into the text. The name appears in
/// errors instead of the values, and names the server-side prepared statement.
public struct PostgresStatement: Sendable, Hashable {
    public let name: String
    public let sql: String
    /// Whether to prepare it once per connection and reuse it (true for anything run often).
    public let prepared: Bool

    public init(_ name: String, _ sql: String, prepared: Bool = true) {
        self.name = name
        self.sql = sql
        self.prepared = prepared
    }
}
