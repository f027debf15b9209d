import Foundation
import TalabDashboard
import Testing

/// The hub's fan-out: a board hears its own business (and branch) only, and a reconnect replays
/// exactly what it missed.
@Suite struct BoardHubTests {
    let business = UUID()
    let hamra = UUID()
    let verdun = UUID()

    func payload(_ order: UUID, _ status: String, _ branch: UUID, business: UUID? = nil) -> String {
        [business ?? self.business, order].map { $0.uuidString.lowercased() }.joined(separator: " ")
            + " \(status) \(branch.uuidString.lowercased())"
    }

    @Test func boardsHearTheirBusinessAndBranchOnlyAndReplayWhatTheyMissed() async throws {
        let hub = BoardHub()
        let all = hub.subscribe(business: business, branch: nil, after: nil)
        let hamraOnly = hub.subscribe(business: business, branch: hamra, after: nil)
        #expect(all.missed == nil && hub.subscribers == 2)
        let first = UUID()
        let second = UUID()
        hub.publish(payload(first, "pending", hamra))
        hub.publish(payload(second, "pending", verdun))
        hub.publish(payload(UUID(), "pending", hamra, business: UUID()))
        hub.publish("not a payload")
        hub.unsubscribe(all.id)
        hub.unsubscribe(hamraOnly.id)
        #expect(hub.subscribers == 0)
        var heard: [BoardHub.Event] = []
        for await event in all.events { heard.append(event) }
        #expect(heard.map(\.order) == [first, second])
        var hamraHeard: [UUID] = []
        for await event in hamraOnly.events { hamraHeard.append(event.order) }
        #expect(hamraHeard == [first])

        // Back after the first event: the second is replayed; a Hamra board has nothing to catch up.
        let back = hub.subscribe(business: business, branch: nil, after: heard[0].id)
        #expect(back.missed?.map(\.order) == [second])
        let hamraBack = hub.subscribe(business: business, branch: hamra, after: heard[0].id)
        #expect(hamraBack.missed == [])
        // An id the hub never gave (another process's, or long gone): nothing can be told.
        #expect(hub.subscribe(business: business, branch: nil, after: 7).missed == nil)
        #expect(hub.subscribe(business: business, branch: nil, after: heard[1].id + 99).missed == nil)
    }
}
