import Glibc
public import NIOCore
import Synchronization

/// The server's open connections, shared by every event loop: how many there are, and which have
/// waited longest without a request in progress, to be closed first when the limit is reached.
public final class ConnectionRegistry: Sendable {
    public struct Limits: Sendable {
        /// Open connections at most; beyond it the longest-idle one is closed for each new one.
        public var maxConnections: Int
        public var headerTimeout: TimeAmount
        public var bodyTimeout: TimeAmount
        public var idleTimeout: TimeAmount

        public init(
            maxConnections: Int = Limits.defaultMaxConnections,
            headerTimeout: TimeAmount = .seconds(10),
            bodyTimeout: TimeAmount = .seconds(30),
            idleTimeout: TimeAmount = .seconds(60)
        ) {
            self.maxConnections = maxConnections
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
        }

        /// Half the process's file descriptors (the rest for PostgreSQL, the Graph API and files),
        /// at most 10,000.
        public static var defaultMaxConnections: Int {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_000 }
            return Int(max(min(limit.rlim_cur / 2, 10_000), 64))
        }
    }

    private struct State {
        var next = 0
        var open: [Int: any Channel] = [:]
        /// Connections without a request in progress, in the order they became so (ids; stale
        /// entries are skipped when met).
        var idleOrder: [Int] = []
        var idleHead = 0
        var idle: Set<Int> = []
        /// Closed to make room, since the start.
        var evicted = 0

        /// Rebuilds the idle queue once most of it is stale (consumed, closed, busy again, or an older
        /// entry of a connection idle again since), keeping each idle connection's latest entry.
        mutating func compact() {
            guard idleOrder.count - idleHead > 2 * idle.count + 1_024 else { return }
            var seen = Set<Int>()
            var kept: [Int] = []
            for id in idleOrder[idleHead...].reversed() where idle.contains(id) && seen.insert(id).inserted {
                kept.append(id)
            }
            idleOrder = kept.reversed()
            idleHead = 0
        }
    }

    public let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits) { self.limits = limits }

    /// The handler that keeps a new connection to these limits, for a server's channel pipeline.
    public func makeGuard() -> any RemovableChannelHandler { ConnectionGuard(registry: self) }

    /// Registers a new connection (idle until its first head); closes the longest-idle one when
    /// over the limit, or this one if every other has a request in progress.
    func open(_ channel: any Channel) -> Int {
        let (id, victim) = state.withLock { state -> (Int, (any Channel)?) in
            state.next += 1
            let id = state.next
            state.open[id] = channel
            state.idle.insert(id)
            state.idleOrder.append(id)
            state.compact()
            guard state.open.count > limits.maxConnections else { return (id, nil) }
            while state.idleHead < state.idleOrder.count {
                let candidate = state.idleOrder[state.idleHead]
                state.idleHead += 1
                if candidate != id, state.idle.remove(candidate) != nil, let victim = state.open[candidate] {
                    state.evicted += 1
                    return (id, victim)
                }
            }
            state.evicted += 1
            return (id, channel)
        }
        victim?.close(promise: nil)
        return id
    }

    func busy(_ id: Int) { _ = state.withLock { $0.idle.remove(id) } }

    func idle(_ id: Int) {
        state.withLock { state in
            guard state.open[id] != nil, state.idle.insert(id).inserted else { return }
            state.idleOrder.append(id)
            state.compact()
        }
    }

    func close(_ id: Int) {
        state.withLock { state in
            state.open[id] = nil
            _ = state.idle.remove(id)
        }
    }

    /// Open connections now, and how many were closed to make room since the start.
    public var counts: (open: Int, evicted: Int) { state.withLock { ($0.open.count, $0.evicted) } }
}
