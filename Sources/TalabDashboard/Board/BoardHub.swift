public import Foundation
import Synchronization

/// The order events of this server process, fanned out to its open boards: one LISTEN on
/// PostgreSQL feeds `publish`, each board `subscribe`s for its business (and branch). Events are
/// numbered; the last `keep` are kept so a board that reconnects with `Last-Event-ID` gets what it
/// missed, or a `reset` (fetch the whole board again) when they are gone or from another process.
public final class BoardHub: Sendable {
    public struct Event: Sendable, Equatable {
        public let id: UInt64
        public let business: UUID
        public let order: UUID
        public let status: String
        public let branch: UUID?
    }

    struct Subscriber {
        let business: UUID
        let branch: UUID?
        let continuation: AsyncStream<Event>.Continuation

        func wants(_ event: Event) -> Bool {
            event.business == business && (branch == nil || event.branch == branch)
        }
    }

    struct State {
        /// Event ids start from the process's start time, so an id from an earlier process is
        /// recognisably not one of ours.
        var next: UInt64
        var recent: [Event] = []
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriber: UInt64 = 0
    }

    let state: Mutex<State>
    let keep: Int

    public init(keep: Int = 4_096) {
        self.keep = keep
        state = Mutex(State(next: UInt64(Date().timeIntervalSince1970 * 1000) << 16))
    }

    /// A `talab_orders` payload: "<business> <order> <status> <branch>". Anything else is ignored.
    public func publish(_ payload: String) {
        let words = payload.split(separator: " ")
        guard words.count >= 3, let business = UUID(uuidString: String(words[0])),
            let order = UUID(uuidString: String(words[1]))
        else { return }
        let branch = words.count > 3 ? UUID(uuidString: String(words[3])) : nil
        state.withLock { state in
            let event = Event(
                id: state.next,
                business: business,
                order: order,
                status: String(words[2]),
                branch: branch
            )
            state.next += 1
            state.recent.append(event)
            if state.recent.count > keep { state.recent.removeFirst(state.recent.count - keep) }
            for subscriber in state.subscribers.values where subscriber.wants(event) {
                subscriber.continuation.yield(event)
            }
        }
    }

    public struct Subscription: Sendable {
        public let id: UInt64
        /// What was missed since `Last-Event-ID`; nil when that cannot be told (fetch everything).
        public let missed: [Event]?
        public let events: AsyncStream<Event>
    }

    /// Subscribes a board to `business`'s events (only `branch`'s when given).
    public func subscribe(business: UUID, branch: UUID?, after lastEventID: UInt64?) -> Subscription {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let subscriber = Subscriber(business: business, branch: branch, continuation: continuation)
        return state.withLock { state in
            var missed: [Event]?
            if let lastEventID, lastEventID < state.next,
                lastEventID + 1 >= (state.recent.first?.id ?? state.next)
            {
                missed = state.recent.filter { $0.id > lastEventID && subscriber.wants($0) }
            }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = subscriber
            return Subscription(id: id, missed: missed, events: stream)
        }
    }

    public func unsubscribe(_ id: UInt64) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: id) }
        subscriber?.continuation.finish()
    }

    /// Boards connected now.
    public var subscribers: Int { state.withLock { $0.subscribers.count } }
}
