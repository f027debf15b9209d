import Foundation
import Synchronization

/// Spaces calls per key (a business phone number) to at most `perSecond`, in the order they ask.
final class RateLimiter: Sendable {
    private let interval: Duration
    private let next = Mutex<[String: ContinuousClock.Instant]>([:])

    init(perSecond: Double) {
        interval = .nanoseconds(Int64(1_000_000_000 / max(perSecond, 0.001)))
    }

    /// Waits for this key's next free slot and takes it.
    func wait(for key: String) async {
        let now = ContinuousClock.now
        let slot = reserve(key, now: now)
        if slot > now { try? await Task.sleep(until: slot, clock: .continuous) }
    }

    /// Takes this key's next free slot at or after `now` and returns it.
    func reserve(_ key: String, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        next.withLock { slots in
            let slot = max(slots[key] ?? now, now)
            slots[key] = slot + interval
            return slot
        }
    }
}
