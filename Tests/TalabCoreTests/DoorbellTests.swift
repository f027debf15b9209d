import Synchronization
import TalabCore
import Testing

/// The bell workers rest on: one ring, one worker.
@Suite struct DoorbellTests {
    final class Woken: Sendable {
        let count = Mutex(0)
    }

    @Test func aRingWakesOneWaiterAndARingNobodyHeardWaitsForTheNext() async throws {
        let bell = Doorbell()
        let woken = Woken()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    await bell.wait(timeout: .seconds(30))
                    woken.count.withLock { $0 += 1 }
                }
            }
            // Both wait before the first ring (a ring with nobody waiting would be kept instead).
            try await Task.sleep(for: .milliseconds(200))
            bell.ring()
            try await group.next()
            try await Task.sleep(for: .milliseconds(200))
            #expect(woken.count.withLock { $0 } == 1)
            bell.ring()
            try await group.next()
            #expect(woken.count.withLock { $0 } == 2)
        }
        // Rung while nobody waited: the next wait returns at once instead of sleeping.
        bell.ring()
        let clock = ContinuousClock()
        let waited = await clock.measure { await bell.wait(timeout: .seconds(30)) }
        #expect(waited < .seconds(10))
        // Once only: the wait after it sleeps to its timeout.
        let slept = await clock.measure { await bell.wait(timeout: .milliseconds(100)) }
        #expect(slept >= .milliseconds(100))
    }

    /// Waits whose timeout fires before they park, or whose task is cancelled, still end: a wait
    /// that never ended kept a worker, and so a SIGTERM, from ever finishing.
    @Test func everyWaitEndsWhateverWinsTheRace() async throws {
        let bell = Doorbell()
        let finished = Woken()
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<4_000 {
                group.addTask {
                    await bell.wait(timeout: index % 3 == 0 ? .zero : .nanoseconds(index % 50))
                    finished.count.withLock { $0 += 1 }
                }
                if index % 7 == 0 { bell.ring() }
            }
            // Cancelled waits end too, long before their timeout.
            for _ in 0..<200 {
                let task = Task {
                    await bell.wait(timeout: .seconds(600))
                    finished.count.withLock { $0 += 1 }
                }
                task.cancel()
                group.addTask { await task.value }
            }
        }
        #expect(finished.count.withLock { $0 } == 4_200)
        #expect(clock.now - started < .seconds(60))
    }
}
