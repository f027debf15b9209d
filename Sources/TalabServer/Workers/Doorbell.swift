import Foundation
import Synchronization

/// Wakes waiting workers when there may be work (a NOTIFY arrived); they also wake on their own
/// after a timeout, so a lost notification only delays work.
public final class Doorbell: Sendable {
    private let waiters = Mutex<(rung: Bool, continuations: [UUID: CheckedContinuation<Void, Never>])>((false, [:]))

    public init() {}

    /// Wakes one waiting worker, or the next one to wait when none is: a ring says there may be one
    /// more piece of work, so one stored body does not send every worker to an empty claim.
    public func ring() {
        let waiting = waiters.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let (id, continuation) = state.continuations.first else {
                state.rung = true
                return nil
            }
            state.continuations[id] = nil
            return continuation
        }
        waiting?.resume()
    }

    /// Returns when rung (or already rung since the last wait), or after `timeout`.
    public func wait(timeout: Duration) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.waiters.withLock { state -> Bool in
                        if state.rung {
                            state.rung = false
                            return true
                        }
                        state.continuations[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let continuation = self.waiters.withLock { $0.continuations.removeValue(forKey: id) }
                continuation?.resume()
            }
            await group.next()
            group.cancelAll()
            // The other child finishes: the sleeper on cancellation, the waiter through the sleeper.
            let continuation = self.waiters.withLock { $0.continuations.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
