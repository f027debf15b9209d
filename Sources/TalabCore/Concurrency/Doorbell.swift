import Foundation
import Synchronization

/// Wakes waiting workers when there may be work (a NOTIFY arrived); they also wake on their own
/// after a timeout, so a lost notification only delays work.
public final class Doorbell: Sendable {
    /// A wait is parked (its continuation) or already over (woken before its continuation was
    /// parked: the timeout or a cancellation won the race), so every wait ends exactly once.
    private enum Waiter {
        case parked(CheckedContinuation<Void, Never>)
        case over
    }

    private struct State {
        var rung = false
        var next = 0
        /// In the order they started waiting: a ring wakes the longest waiter.
        var waiters: [Int: Waiter] = [:]
        var order: [Int] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes one waiting worker, or the next one to wait when none is: a ring says there may be one
    /// more piece of work, so one stored body does not send every worker to an empty claim.
    public func ring() {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            while !state.order.isEmpty {
                let id = state.order.removeFirst()
                if case .parked(let continuation) = state.waiters[id] {
                    state.waiters[id] = nil
                    return continuation
                }
            }
            state.rung = true
            return nil
        }
        waiting?.resume()
    }

    /// Returns when rung (or already rung since the last wait), after `timeout`, or when the
    /// calling task is cancelled, whichever comes first.
    public func wait(timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.park(id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.wake(id)
            }
            await group.next()
            group.cancelAll()
            // Ends the wait if the timeout or a cancellation ended the group first; the sleeper
            // returns on cancellation.
            self.wake(id)
        }
        state.withLock { state in
            state.waiters[id] = nil
            state.order.removeAll { $0 == id }
        }
    }

    private func park(_ id: Int) async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if case .over = state.waiters[id] { return true }
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiters[id] = .parked(continuation)
                state.order.append(id)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Ends the wait `id`: resumes it if parked, else marks it over so that parking returns at once.
    private func wake(_ id: Int) {
        let parked = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state.waiters[id] {
            case .parked(let continuation):
                state.waiters[id] = .over
                return continuation
            case .over: return nil
            case nil:
                state.waiters[id] = .over
                return nil
            }
        }
        parked?.resume()
    }
}
