import Synchronization

/// Bytes of request bodies the server holds at once, across every connection: a body is admitted
/// only when its bytes fit, so a flood of large bodies held open cannot grow memory without bound.
/// A body refused here gets 503 with `Retry-After`, which Meta retries.
public final class BodyBudget: Sendable {
    public let capacity: Int
    private let used = Mutex(0)

    public init(capacity: Int) { self.capacity = capacity }

    /// Takes `bytes` from the budget; false (nothing taken) when they do not fit.
    public func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard bytes >= 0, bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    public func release(_ bytes: Int) { used.withLock { $0 = max($0 - bytes, 0) } }

    /// Bytes held now.
    public var inUse: Int { used.withLock { $0 } }

    /// Runs `body` with `bytes` reserved, released however it ends; nil when they do not fit.
    public func with<Result>(_ bytes: Int, _ body: () async throws -> Result) async rethrows -> Result? {
        guard reserve(bytes) else { return nil }
        defer { release(bytes) }
        return try await body()
    }
}
