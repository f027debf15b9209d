import Foundation
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// What the workers make of stored bodies, on a real database with the example tenants.
@Suite struct ProcessingTests {
    @Test func aMessageRedeliveredOrRepeatedInAnotherPayloadTakesEffectOnce() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.ONCE", text: "baddi court")
        try await fixture.parts.inbox.store(body, orderingKey: nil)
        try await fixture.parts.inbox.store(body, orderingKey: nil)
        // The same message id again, in a body of different bytes.
        let again = ServerFixture.textPayload(
            to: ExampleCatalog.padelNumber,
            id: "wamid.ONCE",
            text: "baddi court",
            timestamp: 1
        )
        try await fixture.parts.inbox.store(again, orderingKey: nil)
        try await fixture.drain()
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state = 'done'") == 3)
        #expect(try await fixture.count("SELECT count(*)::int FROM audit.message_logs") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM whatsapp_customers") == 1)
        // Mark-as-read and one acknowledgement: once.
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages") == 2)
    }

    @Test func statusesOnlyMoveForwardAndAFailureKeepsItsCode() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let number = ExampleCatalog.salonNumber
        for (id, status, code) in [
            ("wamid.R", "read", nil), ("wamid.R", "sent", nil), ("wamid.R", "delivered", nil),
            ("wamid.F", "sent", nil), ("wamid.F", "failed", 131047),
            ("wamid.L", "failed", 131047), ("wamid.L", "delivered", nil),
        ] as [(String, String, Int?)] {
            try await fixture.parts.inbox.store(
                ServerFixture.statusPayload(to: number, messageID: id, status: status, code: code),
                orderingKey: nil
            )
            try await fixture.drain()
        }
        let rows = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.delivery",
                "SELECT meta_message_id, status, error_code FROM message_delivery ORDER BY meta_message_id"
            )
        )
        let states = try rows.map {
            "\(try $0.decode(String.self, "meta_message_id")) \(try $0.decode(String.self, "status")) \(try $0.decode(Int?.self, "error_code").map(String.init) ?? "-")"
        }
        #expect(states == ["wamid.F failed 131047", "wamid.L delivered -", "wamid.R read -"])
    }

    @Test func aNumberRoutesToItsBranchItsBusinessOrNowhere() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let snapshot = try await fixture.parts.catalog.refresh()
        guard case .branch(let abu, let hamra) = snapshot.route(phoneNumberID: ExampleCatalog.hamraNumber) else {
            throw TestFailure("Hamra's number does not lead to Hamra")
        }
        #expect(abu.slug == "abu-salim-grill" && hamra.key == "hamra")
        guard case .business(let both) = snapshot.route(phoneNumberID: ExampleCatalog.abuSalimNumber) else {
            throw TestFailure("Abu Salim's own number does not lead to the business")
        }
        #expect(both.branches.map(\.key) == ["achrafieh", "hamra"])
        guard case .branch(_, let only) = snapshot.route(phoneNumberID: ExampleCatalog.padelNumber) else {
            throw TestFailure("a business with one branch is that branch")
        }
        #expect(only.key == "dbayeh")
        #expect(snapshot.route(phoneNumberID: "999") == .unroutable)

        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: "999", id: "wamid.X", text: "hi"),
            orderingKey: nil
        )
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: "999", id: "wamid.Y", text: "hi"),
            orderingKey: nil
        )
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: ExampleCatalog.abuSalimNumber, id: "wamid.Z", text: "marhaba"),
            orderingKey: nil
        )
        try await fixture.drain()
        #expect(
            try await fixture.count("SELECT payloads::int FROM webhook_unroutable WHERE phone_number_id = '999'") == 2
        )
        #expect(try await fixture.count("SELECT count(*)::int FROM audit.message_logs") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE branch_id IS NULL") == 1)
    }

    @Test func aCustomerIsKnownByUserIDThenPhoneAndKeepsHistoryThroughChanges() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let number = ExampleCatalog.salonNumber
        let send = fixture.deliver
        try await send(
            ServerFixture.textPayload(to: number, from: "96170000123", userID: "LB.777", id: "wamid.1", text: "hi")
        )
        // The same person as a username user: no phone, same user id.
        try await send(ServerFixture.textPayload(to: number, from: nil, userID: "LB.777", id: "wamid.2", text: "again"))
        #expect(try await fixture.count("SELECT count(*)::int FROM whatsapp_customers") == 1)

        // A phone-only customer who later gets a user id keeps the same row.
        try await send(ServerFixture.textPayload(to: number, from: "96171111111", id: "wamid.3", text: "hello"))
        try await send(
            ServerFixture.textPayload(to: number, from: "96171111111", userID: "LB.888", id: "wamid.4", text: "x")
        )
        #expect(try await fixture.count("SELECT count(*)::int FROM whatsapp_customers") == 2)
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM whatsapp_customers WHERE user_id = 'LB.888' AND wa_id = '96171111111'"
            ) == 1
        )

        // WhatsApp reports a new number: the customer and its history stay.
        let changed = """
            {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"\(number)"},"messages":[{"from":"96171111111","id":"wamid.5",
            "timestamp":"1790000000","type":"system","system":{"body":"changed","wa_id":"96172222222",
            "type":"user_changed_number"}}]}}]}]}
            """
        try await send(Array(changed.utf8))
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM whatsapp_customers WHERE wa_id = '96172222222' AND user_id = 'LB.888'"
            ) == 1
        )
        #expect(
            try await fixture.count(
                "SELECT count(DISTINCT customer_id)::int FROM audit.message_logs WHERE meta_message_id IN ('wamid.3', 'wamid.4', 'wamid.5')"
            ) == 1
        )

        // And a new business-scoped user id.
        let renamed = """
            {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"\(number)"},"messages":[{"from_user_id":"LB.777","id":"wamid.5b",
            "timestamp":"1790000000","type":"system","system":{"body":"changed","user_id":"LB.778",
            "type":"user_changed_user_id"}}]}}]}]}
            """
        try await send(Array(renamed.utf8))
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM whatsapp_customers WHERE user_id = 'LB.778' AND wa_id = '96170000123'"
            ) == 1
        )
        #expect(try await fixture.count("SELECT count(*)::int FROM whatsapp_customers") == 2)

        // A customer known only by user id is answered through `recipient`.
        try await send(ServerFixture.textPayload(to: number, from: nil, userID: "LB.999", id: "wamid.6", text: "hi"))
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM outbound_messages WHERE body->>'recipient' = 'LB.999' AND body->>'to' IS NULL"
            ) == 1
        )
    }

    @Test func oneCustomersBodiesWaitForTheOlderOneAnotherWorkerHolds() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let number = ExampleCatalog.padelNumber
        var ids: [Int] = []
        for (index, text) in ["first", "second"].enumerated() {
            let body = ServerFixture.textPayload(to: number, id: "wamid.order.\(index)", text: text)
            ids.append(try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body)))
        }
        let other = ServerFixture.textPayload(to: number, from: "96179999999", id: "wamid.other", text: "hi")
        try await fixture.parts.inbox.store(other, orderingKey: WebhookPayload.orderingKey(of: other))

        // Another worker is in the middle of the first body.
        let holder = try await PostgresConnection.connect(fixture.url)
        try await holder.executeScript(
            "BEGIN; SELECT id FROM webhook_inbox WHERE id = \(ids[0]) FOR UPDATE",
            name: "test.hold"
        )
        #expect(try await fixture.worker().drainOnce() == 1)  // the other customer only
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state = 'pending'") == 2)
        try await holder.executeScript("ROLLBACK", name: "test.release")

        try await fixture.drain()
        let order = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.order",
                "SELECT text FROM audit.message_logs WHERE meta_message_id LIKE 'wamid.order.%' ORDER BY id"
            )
        )
        #expect(try order.map { try $0.decode(String.self, "text") } == ["first", "second"])
    }

    /// A handler that fails on one text, as a bug or a lost connection would.
    struct FailingOn: ConversationHandler {
        let text: String
        struct Failure: Error {}

        func replies(to context: InboundContext, on connection: PostgresConnection) async throws -> [OutboundMessage] {
            if context.message.text == text { throw Failure() }
            return try await AcknowledgingHandler().replies(to: context, on: connection)
        }
    }

    @Test func aBodyThatFailsIsPutBackAloneAndTheRestOfItsBatchTakesEffect() async throws {
        let fixture = try await ServerFixture.make(handler: FailingOn(text: "boom"))
        defer { fixture.parts.pool.close() }
        for (index, text) in ["hi", "boom", "hello"].enumerated() {
            let body = ServerFixture.textPayload(
                to: ExampleCatalog.padelNumber,
                from: "9617000000\(index)",
                id: "wamid.batch.\(index)",
                text: text
            )
            try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body))
        }
        // One batch of three: the failure rolls it back, then each body is taken on its own.
        #expect(try await fixture.worker().drainOnce() == 3)
        let rows = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.inbox",
                """
                SELECT state::text AS state, attempts, error IS NOT NULL AS failed,
                       available_at >= received_at + interval '2 seconds' AS later
                FROM webhook_inbox ORDER BY id
                """
            )
        )
        #expect(try rows.map { try $0.decode(String.self, "state") } == ["done", "pending", "done"])
        #expect(try rows.map { try $0.decode(Int.self, "attempts") } == [1, 1, 1])
        #expect(try rows.map { try $0.decode(Bool.self, "failed") } == [false, true, false])
        #expect(try rows[1].decode(Bool.self, "later"))
        // The others were answered once each; the failed one left nothing behind.
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages") == 4)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE text = 'boom'") == 0
        )
        // Not yet due (its wait is two seconds, and this suite shares two cores: held later here so the
        // check does not race the clock): a second pass takes nothing.
        _ = try await fixture.count(
            "WITH later AS (UPDATE webhook_inbox SET available_at = now() + interval '1 hour' WHERE error IS NOT NULL RETURNING 1) SELECT count(*)::int FROM later"
        )
        #expect(try await fixture.worker().drainOnce() == 0)
        // Due again (as after its wait), it fails again: two attempts, still pending, not processed.
        _ = try await fixture.count(
            "WITH due AS (UPDATE webhook_inbox SET available_at = now() RETURNING 1) SELECT count(*)::int FROM due"
        )
        #expect(try await fixture.worker().drainOnce() == 1)
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM webhook_inbox WHERE state = 'pending' AND attempts = 2 AND processed_at IS NULL"
            ) == 1
        )
    }

    @Test func theServiceWindowClosesADayAfterTheCustomersLastMessage() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let sent = 1_790_000_000
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.W", text: "hi", timestamp: sent),
            orderingKey: nil
        )
        // A message Meta delivers late, written before the last one, does not move the window back.
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(
                to: ExampleCatalog.padelNumber,
                id: "wamid.W0",
                text: "hey",
                timestamp: sent - 600
            ),
            orderingKey: nil
        )
        try await fixture.drain()
        let customer = try await fixture.parts.pool.query(
            PostgresStatement("test.customer", "SELECT id FROM whatsapp_customers")
        )[0]
        .decode(UUID.self, "id")
        try await fixture.parts.pool.withConnection { connection in
            let closes = try await ServiceWindow.closesAt(customer: customer, on: connection)
            #expect(closes == Date(timeIntervalSince1970: TimeInterval(sent) + 86_400))
            let inside = Date(timeIntervalSince1970: TimeInterval(sent) + 86_000)
            let after = Date(timeIntervalSince1970: TimeInterval(sent) + 86_401)
            #expect(try await ServiceWindow.isOpen(customer: customer, at: inside, on: connection))
            #expect(try await !ServiceWindow.isOpen(customer: customer, at: after, on: connection))
            #expect(try await !ServiceWindow.isOpen(customer: UUID(), on: connection))
        }
    }

    @Test func theMessageLogRefusesUpdateAndDelete() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.K", text: "keep"),
            orderingKey: nil
        )
        try await fixture.drain()
        // Append-only without exception: the language is written with the row, never filled in later.
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound' AND language_used IS NOT NULL"
            ) == 1
        )
        for sql in [
            "UPDATE audit.message_logs SET text = 'forged'", "DELETE FROM audit.message_logs",
            "TRUNCATE audit.message_logs", "UPDATE audit.message_logs SET language_used = 'french'",
            "UPDATE audit.message_logs SET language_used = NULL",
        ] {
            await #expect(throws: PostgresError.self) {
                try await fixture.parts.pool.query(PostgresStatement("test.forge", sql, prepared: false))
            }
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE text = 'keep'") == 1)
    }
}
