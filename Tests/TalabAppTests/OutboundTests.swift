import AsyncHTTPClient
import Foundation
import Glibc
import Logging
import TalabCore
import TalabDev
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// Replies sent to a fake of the Graph API that speaks its wire format.
@Suite struct OutboundTests {
    static let abuToken = ExampleCatalog.tokens["ABU_SALIM_WA_TOKEN"]!
    static let hamraToken = ExampleCatalog.tokens["ABU_SALIM_HAMRA_WA_TOKEN"]!
    static let padelToken = ExampleCatalog.tokens["PADEL_FIVE_WA_TOKEN"]!

    static func queue(_ fixture: ServerFixture, to number: String, id: String, text: String) async throws {
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: number, id: id, text: text),
            orderingKey: nil
        )
        try await fixture.drain()
    }

    @Test func repliesGoOutWithTheBranchTokenElseTheBusinessOneAndAreLogged() async throws {
        let graph = FakeGraphAPI(acceptedTokens: [
            OutboundTests.abuToken, OutboundTests.hamraToken, OutboundTests.padelToken,
        ])
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url)
        defer { fixture.parts.pool.close() }
        try await OutboundTests.queue(fixture, to: ExampleCatalog.hamraNumber, id: "wamid.H", text: "menu?")
        try await OutboundTests.queue(fixture, to: ExampleCatalog.abuSalimNumber, id: "wamid.A", text: "menu?")
        while try await fixture.parts.sender.sendOnce() > 0 {}
        try await server.stop()

        let received = graph.received
        #expect(received.count == 4)
        #expect(received.allSatisfy { $0.version == "v23.0" })
        let hamra = received.filter { $0.phoneNumberID == ExampleCatalog.hamraNumber }
        #expect(hamra.count == 2 && hamra.allSatisfy { $0.token == OutboundTests.hamraToken })
        let business = received.filter { $0.phoneNumberID == ExampleCatalog.abuSalimNumber }
        #expect(business.count == 2 && business.allSatisfy { $0.token == OutboundTests.abuToken })
        // Read receipt (with typing) first, then the reply quoting the customer's message.
        #expect(hamra[0].body["status"] == "read" && hamra[0].body["typing_indicator"]?["type"] == "text")
        #expect(hamra[1].body["to"] == "96170000123" && hamra[1].body["context"]?["message_id"] == "wamid.H")
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages WHERE state = 'sent'") == 4)
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM audit.message_logs WHERE direction = 'outbound' AND meta_message_id LIKE 'wamid.FAKE.%'"
            ) == 2
        )
        // Logged as what the customer read: its type, its text and the message it answers.
        let logged = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.logged",
                """
                SELECT message_type, text, context_message_id FROM audit.message_logs
                WHERE direction = 'outbound' ORDER BY context_message_id
                """
            )
        )
        #expect(try logged.map { try $0.decode(String.self, "message_type") } == ["text", "text"])
        #expect(try logged.map { try $0.decode(String?.self, "context_message_id") } == ["wamid.A", "wamid.H"])
        #expect(try logged.allSatisfy { try $0.decode(String.self, "text").hasSuffix("received your message.") })
    }

    @Test func throughputAndServerErrorsAreRetriedButOutsideTheWindowIsRecordedNotRetried() async throws {
        let graph = FakeGraphAPI()
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url, attempts: 3)
        defer { fixture.parts.pool.close() }
        try await OutboundTests.queue(fixture, to: ExampleCatalog.padelNumber, id: "wamid.P", text: "court?")
        // The read receipt meets a 429 and a 500, then passes; the reply goes in the same round.
        graph.fail(.throughput, .serverError)
        #expect(try await fixture.parts.sender.sendOnce() == 2)
        // The next message's read receipt meets 131047: recorded, not retried; the reply behind it
        // goes in the next round.
        try await OutboundTests.queue(fixture, to: ExampleCatalog.padelNumber, id: "wamid.P2", text: "court?")
        graph.fail(.outsideWindow)
        #expect(try await fixture.parts.sender.sendOnce() == 1)
        #expect(try await fixture.parts.sender.sendOnce() == 1)
        try await server.stop()

        #expect(graph.received.count == 6)
        let rows = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.outbound",
                "SELECT state::text AS state, error_code, attempts FROM outbound_messages ORDER BY id"
            )
        )
        #expect(try rows.map { try $0.decode(String.self, "state") } == ["sent", "sent", "failed", "sent"])
        #expect(try rows[2].decode(Int?.self, "error_code") == 131047)
        #expect(try rows[2].decode(Int.self, "attempts") == 1)
    }

    @Test func aFailureThatOutlastsTheRetriesWaitsForALaterTurn() async throws {
        let graph = FakeGraphAPI()
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url, attempts: 2)
        defer { fixture.parts.pool.close() }
        try await OutboundTests.queue(fixture, to: ExampleCatalog.padelNumber, id: "wamid.Q", text: "hi")
        graph.fail(.serverError, .serverError)
        #expect(try await fixture.parts.sender.sendOnce() == 1)
        try await server.stop()
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM outbound_messages WHERE state = 'pending' AND attempts = 1 AND available_at > now()"
            ) == 1
        )
        // The customer's next reply waits behind it: order is kept.
        #expect(try await fixture.parts.sender.sendOnce() == 0)
    }

    /// A customer whose reply the Graph API is slow to take does not hold back replies queued after
    /// it was claimed: the sender claims again while that chain is in flight.
    @Test func aSlowReplyDoesNotHoldBackOtherCustomersQueuedAfterIt() async throws {
        let graph = FakeGraphAPI()
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url)
        defer { fixture.parts.pool.close() }
        func store(from customer: String, id: String) async throws {
            try await fixture.parts.inbox.store(
                ServerFixture.textPayload(to: ExampleCatalog.padelNumber, from: customer, id: id, text: "hi"),
                orderingKey: customer
            )
            try await fixture.drain()
            fixture.parts.sender.doorbell.ring()
        }
        func received(_ count: Int) async throws -> Bool {
            for _ in 0..<3_000 where graph.received.count < count { try await Task.sleep(for: .milliseconds(10)) }
            return graph.received.count >= count
        }
        graph.holdNext()
        let sending = Task { try await fixture.parts.sender.run() }
        // The first customer's read mark reaches the fake and is held there.
        try await store(from: "96171000001", id: "wamid.SLOW")
        #expect(try await received(1) && graph.holding)
        // Another customer writes afterwards: both of its requests go out while the first is held.
        try await store(from: "96171000002", id: "wamid.QUICK")
        #expect(try await received(3))
        #expect(graph.holding)
        let quick = graph.received.dropFirst().compactMap {
            ($0.body["message_id"] ?? $0.body["context"]?["message_id"])?.string
        }
        #expect(quick == ["wamid.QUICK", "wamid.QUICK"])
        graph.release()
        #expect(try await received(4))
        // Every reply marked sent (the last mark follows the fake's answer by a commit).
        var sent = 0
        for _ in 0..<3_000 {
            sent = try await fixture.count("SELECT count(*)::int FROM outbound_messages WHERE state = 'sent'")
            if sent == 4 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sent == 4)
        sending.cancel()
        _ = await sending.result
        try await server.stop()
    }

    @Test func sendersAtOnceSendEachReplyOnceAndEachCustomersRepliesInOrder() async throws {
        let graph = FakeGraphAPI()
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url)
        defer { fixture.parts.pool.close() }
        // Eight customers with three messages each (read mark, reply, and the next message's read
        // mark), queued before any sender runs.
        for customer in 0..<8 {
            for message in 0..<2 {
                try await fixture.parts.inbox.store(
                    ServerFixture.textPayload(
                        to: ExampleCatalog.padelNumber,
                        from: "9617100000\(customer)",
                        id: "wamid.S.\(customer).\(message)",
                        text: "hi \(message)"
                    ),
                    orderingKey: "9617100000\(customer)"
                )
            }
        }
        try await fixture.drain()
        let queued = try await fixture.count("SELECT count(*)::int FROM outbound_messages")
        #expect(queued == 32)
        // Another sender holds customer 0's first reply: nothing of customer 0 may go before it.
        let holder = try await PostgresConnection.connect(fixture.url)
        try await holder.executeScript(
            """
            BEGIN; SELECT id FROM outbound_messages
            WHERE customer_id = (SELECT id FROM whatsapp_customers WHERE wa_id = '96171000000') ORDER BY id LIMIT 1
            FOR UPDATE
            """,
            name: "test.hold"
        )
        let small = OutboundSender(
            pool: fixture.parts.pool,
            graph: fixture.parts.sender.graph,
            sealer: ServerFixture.sealer,
            doorbell: Doorbell(),
            logger: fixture.parts.sender.logger,
            batch: 3
        )
        async let first = small.sendOnce()
        async let second = small.sendOnce()
        _ = try await (first, second)
        while try await small.sendOnce() > 0 {}
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages WHERE state = 'sent'") == 28)
        try await holder.executeScript("ROLLBACK", name: "test.release")
        while try await small.sendOnce() > 0 {}
        try await server.stop()

        let received = graph.received
        #expect(received.count == queued)
        // Read marks name the message read, replies quote it: "wamid.S.<customer>.<message>".
        var seen: [String: [String]] = [:]
        for request in received {
            let read = request.body["status"] != nil
            guard let id = (read ? request.body["message_id"] : request.body["context"]?["message_id"])?.string
            else { continue }
            let parts = id.split(separator: ".")
            seen[String(parts[2]), default: []].append("\(read ? "read" : "reply") \(parts[3])")
        }
        #expect(seen.count == 8)
        #expect(seen.values.allSatisfy { $0 == ["read 0", "reply 0", "read 1", "reply 1"] })
    }

    @Test func tokensNeverAppearInErrorsOrLogs() async throws {
        let graph = FakeGraphAPI(acceptedTokens: ["another-token"])
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url)
        defer { fixture.parts.pool.close() }
        try await OutboundTests.queue(fixture, to: ExampleCatalog.padelNumber, id: "wamid.T", text: "hi")
        #expect(try await fixture.parts.sender.sendOnce() == 1)
        try await server.stop()
        let errors = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.errors",
                "SELECT coalesce(string_agg(error, ' '), '') AS errors, max(error_code) AS code FROM outbound_messages"
            )
        )
        #expect(try errors[0].decode(Int?.self, "code") == 190)
        #expect(!(try errors[0].decode(String.self, "errors")).contains("EAAG"))
        #expect(try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE text LIKE '%EAAG%'") == 0)
    }

    /// A sender that dies while its posts are in flight (here: a Graph API that never answers, then
    /// the process's connections gone) leaves its lease behind; another sender takes the replies
    /// over at once instead of leaving the customer unanswered, and each is marked sent once.
    @Test func repliesLeasedByASenderThatDiedAreSentByAnother() async throws {
        let graph = FakeGraphAPI()
        let server = try await LoopbackServer.start(graph.router())
        let fixture = try await ServerFixture.make(graphURL: server.url)
        defer { fixture.parts.pool.close() }
        try await OutboundTests.queue(fixture, to: ExampleCatalog.padelNumber, id: "wamid.L", text: "hi")
        // A listener that never accepts: the dying sender's posts hang.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) }
        }
        _ = listen(silent, 8)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let dyingPool = PostgresPool(url: fixture.url, maxConnections: 2)
        let dying = OutboundSender(
            pool: dyingPool,
            graph: GraphClient(
                settings: GraphSettings(baseURL: "http://127.0.0.1:\(port)", attempts: 1, timeout: .seconds(30)),
                logger: fixture.parts.sender.logger
            ),
            sealer: ServerFixture.sealer,
            doorbell: Doorbell(),
            logger: fixture.parts.sender.logger
        )
        let inFlight = Task { try await dying.sendOnce() }
        #expect(
            try await EndToEndTests.waitFor {
                try await fixture.count("SELECT count(*)::int FROM outbound_messages WHERE leased_until > now()") == 2
            }
        )
        // While it lives, nobody else takes them.
        #expect(try await fixture.parts.sender.sendOnce() == 0)
        dyingPool.close()
        inFlight.cancel()
        _ = try? await inFlight.value
        // Its backends gone, the lease is free at once (well before its five minutes run out).
        #expect(try await EndToEndTests.waitFor { try await fixture.parts.sender.sendOnce() > 0 })
        while try await fixture.parts.sender.sendOnce() > 0 {}
        try await server.stop()
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages WHERE state = 'sent'") == 2)
        #expect(graph.received.count == 2)
    }
}
