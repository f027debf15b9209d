import Synchronization
import TalabServer
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
}
