/// The order lifecycle: pending → accepted → preparing → ready → completed, or cancelled before it
/// is completed. Every change goes through `transition`, which refuses the illegal ones.
public enum OrderStateMachine {
    public struct IllegalTransition: Error, Sendable, Equatable, CustomStringConvertible {
        public let from: OrderStatus
        public let to: OrderStatus

        public init(from: OrderStatus, to: OrderStatus) {
            self.from = from
            self.to = to
        }

        public var description: String { "an order cannot go from \(from.rawValue) to \(to.rawValue)" }
    }

    /// The statuses an order may move to next.
    public static func next(after status: OrderStatus) -> Set<OrderStatus> {
        switch status {
        case .pending: return [.accepted, .cancelled]
        case .accepted: return [.preparing, .cancelled]
        case .preparing: return [.ready, .cancelled]
        case .ready: return [.completed, .cancelled]
        case .completed, .cancelled: return []
        }
    }

    /// The next step on the way to completed, or nil once the order is over.
    public static func forward(from status: OrderStatus) -> OrderStatus? {
        switch status {
        case .pending: return .accepted
        case .accepted: return .preparing
        case .preparing: return .ready
        case .ready: return .completed
        case .completed, .cancelled: return nil
        }
    }

    public static func canMove(from: OrderStatus, to: OrderStatus) -> Bool { next(after: from).contains(to) }

    /// The new status, or why the move is refused.
    public static func transition(from: OrderStatus, to: OrderStatus) throws(IllegalTransition) -> OrderStatus {
        guard canMove(from: from, to: to) else { throw IllegalTransition(from: from, to: to) }
        return to
    }

    /// Whether the order is over: nothing more can happen to it.
    public static func isFinal(_ status: OrderStatus) -> Bool { next(after: status).isEmpty }
}
