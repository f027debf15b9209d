import Foundation
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// A body whose handling kills its process (a trap, an out-of-memory kill) must not take the server
/// down again on every restart: its attempt is counted before it is handled, it is taken alone
/// next time, and it is dead-lettered when it has stopped a process three times.
@Suite struct DeadLetterTests {
    /// A process that leased bodies and died before it finished: its connection closes, so its
    /// PostgreSQL backend ends, as a SIGKILLed `talab serve`'s do.
    static func dieWhileHolding(_ fixture: ServerFixture, limit: Int) async throws -> [Int] {
        let pool = PostgresPool(url: fixture.url, maxConnections: 1)
        let lease = try await WebhookInbox(pool: pool).lease(limit)
        let pid = try await pool.query(
            PostgresStatement("test.pid", "SELECT pg_backend_pid() AS pid", prepared: false)
        )[0]
        .decode(Int.self, "pid")
        pool.close()
        // The backend ends shortly after its client is gone.
        for _ in 0..<200 {
            let alive = try await fixture.count("SELECT count(*)::int FROM pg_stat_activity WHERE pid = \(pid)")
            if alive == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return lease.ids
    }

    static func states(_ fixture: ServerFixture) async throws -> [String] {
        try await fixture.parts.pool.query(
            PostgresStatement("test.states", "SELECT state::text AS s FROM webhook_inbox ORDER BY id", prepared: false)
        ).map { try $0.decode(String.self, "s") }
    }

    @Test func aBodyThatStopsItsProcessThreeTimesIsDeadLetteredAndTheOthersAreHandled() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        var ids: [Int] = []
        for index in 0..<3 {
            let body = ServerFixture.textPayload(
                to: ExampleCatalog.padelNumber,
                from: "9617100000\(index)",
                id: "wamid.dead.\(index)",
                text: "hi"
            )
            ids.append(try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body)))
        }
        // A process took the three in one batch and died.
        #expect(try await DeadLetterTests.dieWhileHolding(fixture, limit: 32) == ids)
        // Each is now taken alone: the first is handled.
        #expect(try await fixture.worker().drainOnce() == 1)
        #expect(try await DeadLetterTests.states(fixture) == ["done", "pending", "pending"])
        // The second kills the process handling it alone, twice.
        #expect(try await DeadLetterTests.dieWhileHolding(fixture, limit: 32) == [ids[1]])
        #expect(try await DeadLetterTests.dieWhileHolding(fixture, limit: 32) == [ids[1]])
        // Taken again, it is dead-lettered, not handled; then the third is handled.
        #expect(try await fixture.worker().drainOnce() == 1)
        #expect(try await DeadLetterTests.states(fixture) == ["done", "failed", "pending"])
        try await fixture.drain()
        #expect(try await DeadLetterTests.states(fixture) == ["done", "failed", "done"])

        let letters = try await fixture.parts.inbox.deadLetters()
        #expect(letters.map(\.id) == [ids[1]])
        #expect(letters.first?.lostAttempts == 3 && letters.first?.attempts == 3)
        #expect(letters.first?.error?.contains("stopped 3 times") == true)
        let counts = try await fixture.parts.inbox.counts()
        #expect(counts.pending == 0 && counts.leased == 0 && counts.done == 2 && counts.failed == 1)

        // The dead letter no longer holds back its customer's next message.
        let next = ServerFixture.textPayload(
            to: ExampleCatalog.padelNumber,
            from: "96171000001",
            id: "wamid.dead.next",
            text: "hello"
        )
        try await fixture.parts.inbox.store(next, orderingKey: WebhookPayload.orderingKey(of: next))
        try await fixture.drain()
        #expect(try await DeadLetterTests.states(fixture) == ["done", "failed", "done", "done"])

        // Retried by the operator, it is handled like any body.
        #expect(try await fixture.parts.inbox.retry(deadLetter: ids[1]))
        #expect(try await fixture.parts.inbox.retry(deadLetter: ids[0]) == false)
        try await fixture.drain()
        #expect(try await DeadLetterTests.states(fixture) == ["done", "done", "done", "done"])
        #expect(try await fixture.parts.inbox.deadLetters().isEmpty)
    }

    @Test func aLeaseHeldByALiveProcessIsNotTakenAndAFinishedOneIsNotCountedLost() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.live", text: "hi")
        try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body))
        // Another live process holds it: nobody else takes it.
        let other = PostgresPool(url: fixture.url, maxConnections: 1)
        defer { other.close() }
        let held = try await WebhookInbox(pool: other).lease(32)
        #expect(held.ids.count == 1)
        #expect(try await fixture.worker().drainOnce() == 0)
        // Its lease ran out (a process that hangs): taken over, one lost attempt, handled once.
        _ = try await fixture.count(
            "WITH e AS (UPDATE webhook_inbox SET leased_until = now() - interval '1 second' RETURNING 1) SELECT count(*)::int FROM e"
        )
        #expect(try await fixture.worker().drainOnce() == 1)
        #expect(try await fixture.count("SELECT lost_attempts FROM webhook_inbox") == 1)
        #expect(try await DeadLetterTests.states(fixture) == ["done"])
        // The stalled holder wakes: its lease token no longer takes the body.
        let taken = try await other.withTransaction { connection in
            try await WebhookInbox.take(held.ids, token: held.token, on: connection)
        }
        #expect(taken.isEmpty)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound'") == 1
        )
    }
}
