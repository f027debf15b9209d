/// A `NOTIFY` delivered to a listening session.
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let processID: Int
}
