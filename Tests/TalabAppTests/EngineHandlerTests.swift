import Foundation
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// The conversation engine behind the webhook workers, on a real database.
@Suite struct EngineHandlerTests {
    static func outbound(_ fixture: ServerFixture) async throws -> [String] {
        try await fixture.parts.pool.query(
            PostgresStatement("test.outbound", "SELECT body::text AS body FROM outbound_messages ORDER BY id")
        ).map { try $0.decode(String.self, "body") }
    }

    @Test func aVoiceNoteIsAnsweredAndAStickerOnlyRead() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        func media(_ id: String, _ type: String, _ fields: String) -> [UInt8] {
            Array(
                """
                {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
                "metadata":{"phone_number_id":"\(ExampleCatalog.hamraNumber)"},
                "contacts":[{"wa_id":"96170000123","profile":{"name":"Rami"}}],
                "messages":[{"from":"96170000123","id":"\(id)","timestamp":"1790000000","type":"\(type)",
                "\(type)":{\(fields)}}]}}]}]}
                """.utf8
            )
        }
        try await fixture.deliver(media("wamid.V1", "audio", #""id":"MEDIA1","mime_type":"audio/ogg","voice":true"#))
        try await fixture.deliver(media("wamid.V2", "sticker", #""id":"MEDIA2","mime_type":"image/webp""#))
        let sent = try await EngineHandlerTests.outbound(fixture)
        // A read mark and an answer for the voice note; a read mark alone for the sticker.
        #expect(sent.count == 3, "\(sent)")
        #expect(sent.filter { $0.contains("voice notes") }.count == 1, "\(sent)")
        #expect(sent.filter { $0.contains(#""status": "read""#) }.count == 2, "\(sent)")
    }

    @Test func aCustomerOrdersByChatAndAConfirmationPlacesOneOrder() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let send = fixture.deliver
        try await send(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.C1", text: "baddi 2 falafel, takeaway")
        )
        let prompt = try await EngineHandlerTests.outbound(fixture)
        #expect(prompt.contains { $0.contains("Zedna 2 × Falafel Sandwich") }, "\(prompt)")
        #expect(prompt.contains { $0.contains(#""id": "confirm""#) }, "\(prompt)")

        let confirm = ServerFixture.buttonPayload(to: ExampleCatalog.hamraNumber, id: "wamid.C2", button: "confirm")
        try await send(confirm)
        try await send(confirm)  // Meta redelivers
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 1)
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM orders WHERE confirmation_key = 'wamid.C2' AND delivery_type = 'takeaway' AND language_used = 'arabizi'"
            ) == 1
        )
        let all = try await EngineHandlerTests.outbound(fixture)
        #expect(all.filter { $0.contains("Merci! Talabak") }.count == 1, "\(all)")
        #expect(try await fixture.count("SELECT count(*)::int FROM conversations") == 1)
        // The message log keeps the language each text was written in.
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM audit.message_logs WHERE meta_message_id = 'wamid.C1' AND language_used = 'arabizi'"
            ) == 1
        )
    }

    /// The order a confirmation places is written in the transaction that logs the confirmation:
    /// a process killed before that commit leaves neither (and the message, still pending in the
    /// inbox, places it once when handled again); before, the order committed on a pool of its own.
    @Test func anOrderCommitsWithItsConfirmingMessageOrNotAtAll() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        try await fixture.deliver(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.T1", text: "baddi 2 falafel, takeaway")
        )
        let confirm = ServerFixture.buttonPayload(to: ExampleCatalog.hamraNumber, id: "wamid.T2", button: "confirm")
        struct Killed: Error {}
        // Handled in full, then the transaction never commits, as when the process dies first.
        await #expect(throws: Killed.self) {
            try await fixture.parts.pool.withTransaction { connection in
                let summary = try await fixture.parts.processor.process(confirm, on: connection)
                #expect(summary.messages == 1 && summary.replies > 0)
                let placed = try await connection.query(
                    PostgresStatement(
                        "test.placed",
                        "SELECT count(*)::int AS n FROM orders WHERE confirmation_key = 'wamid.T2'",
                        prepared: false
                    )
                )[0].decode(Int.self, "n")
                #expect(placed == 1)
                throw Killed()
            }
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM orders WHERE confirmation_key = 'wamid.T2'") == 0)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE meta_message_id = 'wamid.T2'")
                == 0
        )
        // Handled again (the body was still in the inbox): one order, one logged confirmation.
        try await fixture.deliver(confirm)
        #expect(try await fixture.count("SELECT count(*)::int FROM orders WHERE confirmation_key = 'wamid.T2'") == 1)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE meta_message_id = 'wamid.T2'")
                == 1
        )
    }

    @Test func aNumberOfSeveralBranchesAsksWhichBranchFirst() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: ExampleCatalog.abuSalimNumber, id: "wamid.B1", text: "hello"),
            orderingKey: nil
        )
        try await fixture.parts.inbox.store(
            ServerFixture.buttonPayload(to: ExampleCatalog.abuSalimNumber, id: "wamid.B2", button: "branch:achrafieh"),
            orderingKey: nil
        )
        try await fixture.drain()
        let sent = try await EngineHandlerTests.outbound(fixture)
        #expect(
            sent.contains { $0.contains(#""id": "branch:achrafieh""#) && $0.contains(#""id": "branch:hamra""#) },
            "\(sent)"
        )
        // Before the customer wrote anything readable, the business's default language (Arabizi).
        #expect(sent.last?.contains("Ahla w sahla b Abu Salim Grill") == true, "\(sent)")
        #expect(try await fixture.count("SELECT count(*)::int FROM conversations WHERE branch_key = 'achrafieh'") == 1)
    }
}

/// Booking a pitch by chat: the slot offered, the booking placed with its order, the last place
/// taken by someone else between the offer and the confirmation.
@Suite struct BookingByChatTests {
    @Test func aPitchIsBookedByChatAndALateSecondCustomerIsOfferedOtherTimes() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let send = fixture.deliver
        let pitch = ExampleCatalog.padelNumber
        try await send(
            ServerFixture.textPayload(to: pitch, id: "wamid.F1", text: "football tomorrow at 9pm please")
        )
        try await send(
            ServerFixture.textPayload(to: pitch, from: "96170000456", id: "wamid.G1", text: "football tomorrow 9pm")
        )
        let prompts = try await EngineHandlerTests.outbound(fixture)
        #expect(prompts.filter { $0.contains("21:00") && $0.contains(#""id": "confirm""#) }.count == 2, "\(prompts)")

        try await send(ServerFixture.buttonPayload(to: pitch, id: "wamid.F2", button: "confirm"))
        #expect(
            try await fixture.count(
                "SELECT count(*)::int FROM bookings b JOIN orders o ON o.id = b.order_id WHERE o.scheduled_for = lower(b.during) AND o.delivery_type = 'on_site'"
            ) == 1
        )
        // The second customer confirms the same hour: the engine sees the booking and offers others.
        try await send(ServerFixture.buttonPayload(to: pitch, from: "96170000456", id: "wamid.G2", button: "confirm"))
        #expect(try await fixture.count("SELECT count(*)::int FROM bookings") == 1)
        let after = try await EngineHandlerTests.outbound(fixture)
        #expect(after.contains { $0.contains("Booked! Your booking") }, "\(after)")
        #expect(after.contains { $0.contains("is not free at") } && after.last?.contains("slot:football-60:") == true)

        // The first customer asks where their booking stands.
        try await send(ServerFixture.textPayload(to: pitch, id: "wamid.F3", text: "what's my order status?"))
        #expect(try await EngineHandlerTests.outbound(fixture).last?.contains("waits for Padel & Five Beirut") == true)
    }

    @Test func whenTheLastPlaceGoesBetweenTheOfferAndThePlacementTheDatabaseRefusesAndOtherTimesAreOffered()
        async throws
    {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let pitch = ExampleCatalog.padelNumber
        try await fixture.parts.inbox.store(
            ServerFixture.textPayload(to: pitch, id: "wamid.H1", text: "football tomorrow 10pm"),
            orderingKey: nil
        )
        try await fixture.drain()
        let prompt = try await EngineHandlerTests.outbound(fixture)
        #expect(prompt.last?.contains("22:00") == true, "\(prompt)")
        // Another customer's booking of that hour, committed only after this customer's
        // confirmation has read the calendar: the trigger makes the placement wait, then refuse.
        let slot = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.slot",
                """
                SELECT (date_trunc('day', now() AT TIME ZONE 'Asia/Beirut') + interval '1 day 22 hours')
                    AT TIME ZONE 'Asia/Beirut' AS start
                """
            )
        )[0].decode(Date.self, "start")
        let (inserted, signal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await fixture.parts.pool.withTransaction { connection in
                try await connection.query(
                    PostgresStatement(
                        "test.rival",
                        """
                        WITH rival AS (
                            INSERT INTO orders (business_id, branch_id, customer_phone_number, delivery_type, currency,
                                                subtotal, total, scheduled_for)
                            SELECT business_id, id, '96170000999', 'on_site', 'USD', 60, 60, $1 FROM branches
                            WHERE key = 'dbayeh' RETURNING id, business_id, branch_id)
                        INSERT INTO bookings (order_id, business_id, branch_id, item_id, during)
                        SELECT rival.id, rival.business_id, rival.branch_id, i.id, tstzrange($1, $1 + interval '1 hour')
                        FROM rival JOIN items i ON i.key = 'football-60'
                        """
                    ),
                    [slot]
                )
                signal.yield()
                // Committed once the customer's placement waits on this booking (not after a fixed
                // time, which a busy machine outlasts), or after 30 s, when the test then fails.
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    let waiting = try await connection.query(
                        PostgresStatement(
                            "test.placement_waits",
                            "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
                        )
                    )[0].decode(Int.self, "n")
                    if waiting > 0 { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        // Only once the rival's booking is written (not yet committed) does the customer confirm.
        var waiting = inserted.makeAsyncIterator()
        _ = await waiting.next()
        try await fixture.parts.inbox.store(
            ServerFixture.buttonPayload(to: pitch, id: "wamid.H2", button: "confirm"),
            orderingKey: nil
        )
        try await fixture.drain()
        try await holder.value
        #expect(try await fixture.count("SELECT count(*)::int FROM bookings") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM orders WHERE confirmation_key = 'wamid.H2'") == 0)
        let sent = try await EngineHandlerTests.outbound(fixture)
        #expect(sent.contains { $0.contains("someone just took the last place") }, "\(sent)")
        #expect(sent.last?.contains("slot:football-60:") == true, "\(sent)")
        #expect(sent.last?.contains("slot:football-60:\(Int(slot.timeIntervalSince1970))") == false, "\(sent)")
    }
}

@Suite struct OrderNotifierTests {
    @Test func aStatusChangeIsToldInTheCustomersLanguageOrByTemplateOutsideTheWindow() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let send = fixture.deliver
        // An order by chat whose messages are two months old: the window is closed.
        try await send(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.N1", text: "baddi 2 falafel, takeaway")
        )
        try await send(ServerFixture.buttonPayload(to: ExampleCatalog.hamraNumber, id: "wamid.N2", button: "confirm"))
        let order = try await fixture.parts.pool.query(PostgresStatement("test.order", "SELECT id FROM orders"))[0]
            .decode(UUID.self, "id")
        let store = OrderStore(pool: fixture.parts.pool)
        let notifier = OrderNotifier()
        try await store.move(order, to: .accepted, by: .business) { connection in
            let reached = try await notifier.notify(order: order, status: .accepted, on: connection)
            #expect(reached)
        }
        let template = try await EngineHandlerTests.outbound(fixture).last ?? ""
        #expect(template.contains(#""name": "order_update""#) && template.contains(#""code": "ar""#), "\(template)")

        // The customer writes again: inside the window the notice is a message in Arabizi.
        try await send(
            ServerFixture.textPayload(
                to: ExampleCatalog.hamraNumber,
                id: "wamid.N3",
                text: "wen sar el talab?",
                timestamp: Int(Date().timeIntervalSince1970)
            )
        )
        try await store.move(order, to: .preparing, by: .business) { connection in
            try await notifier.notify(order: order, status: .preparing, on: connection)
        }
        let text = try await EngineHandlerTests.outbound(fixture).last ?? ""
        #expect(text.contains("3am nhadder talabak \(order.lowercasedText.prefix(8))"), "\(text)")
    }
}

@Suite struct EngineCacheTests {
    @Test func aPriceChangedInTheCatalogIsQuotedAtTheNextMessage() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        func ask(_ id: String) async throws -> String {
            try await fixture.parts.inbox.store(
                ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: id, text: "how much is the hummus?"),
                orderingKey: nil
            )
            try await fixture.drain()
            return try await EngineHandlerTests.outbound(fixture).last ?? ""
        }
        #expect(try await ask("wamid.P1").contains("$3.50"))
        try await fixture.parts.pool.query(
            PostgresStatement("test.reprice", "UPDATE items SET price = 3.95 WHERE key = 'hummus'", prepared: false)
        )
        let after = try await ask("wamid.P2")
        #expect(after.contains("$3.95"), "\(after)")
    }

    /// What the analytics count of conversations (migration 0030): a cart begun and confirmed, a line
    /// the bot could not read (with its text), an item asked for while out of stock (by its name).
    /// The engines kept built are bounded: past the limit the least recently used business's go,
    /// and its next message builds them again.
    @Test func theEnginesKeptAreBoundedAndRebuiltWhenNeeded() async throws {
        let handler = EngineHandler(cachedBusinesses: 1)
        let fixture = try await ServerFixture.make(handler: handler)
        defer { fixture.parts.pool.close() }
        try await fixture.deliver(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.C1", text: "menu")
        )
        try await fixture.deliver(ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.C2", text: "hi"))
        #expect(handler.cachedBusinesses == 1)
        try await fixture.deliver(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.C3", text: "2 falafel takeaway")
        )
        #expect(handler.cachedBusinesses == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state <> 'done'") == 0)
        #expect(try await fixture.count("SELECT count(*)::int FROM conversation_events WHERE kind = 'cart'") == 1)
    }

    /// "the same again": the customer's last order goes into the cart again, priced from the
    /// catalog as it is now, and is placed again on confirmation.
    @Test func theSameAgainPutsTheLastOrderInTheCart() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let send = fixture.deliver
        let number = ExampleCatalog.hamraNumber
        // Nothing ordered yet: the customer is told so.
        try await send(ServerFixture.textPayload(to: number, id: "wamid.R0", text: "same as last time"))
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 0)
        try await send(
            ServerFixture.textPayload(
                to: number,
                id: "wamid.R1",
                text: "2 chicken shawarma large bala toum w 1 fattoush, takeaway"
            )
        )
        try await send(ServerFixture.buttonPayload(to: number, id: "wamid.R2", button: "confirm"))
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 1)
        try await send(ServerFixture.textPayload(to: number, id: "wamid.R3", text: "the same again please"))
        try await send(ServerFixture.textPayload(to: number, id: "wamid.R4", text: "takeaway"))
        try await send(ServerFixture.buttonPayload(to: number, id: "wamid.R5", button: "confirm"))
        #expect(try await fixture.count("SELECT count(*)::int FROM orders") == 2)
        // The second order is the first again: the same items, quantities and choices.
        let orders = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.order_lines",
                """
                SELECT (SELECT string_agg(i.key || ' ' || oi.quantity || ' ' || coalesce(
                            (SELECT string_agg(o.key, ',' ORDER BY o.key) FROM order_item_options oo
                             JOIN item_options o ON o.id = oo.item_option_id WHERE oo.order_item_id = oi.id), ''),
                            ';' ORDER BY i.key)
                        FROM order_items oi JOIN items i ON i.id = oi.item_id WHERE oi.order_id = ord.id) AS lines
                FROM orders ord ORDER BY ord.created_at
                """,
                prepared: false
            )
        ).map { try $0.decode(String.self, "lines") }
        #expect(orders.count == 2 && orders.first == orders.last, "\(orders)")
        #expect(orders.first == "chicken-shawarma 2 large,no-toum;fattoush 1 ", "\(orders)")
        #expect(try await fixture.count("SELECT count(*)::int FROM order_items") == 4)
    }

    @Test func theMomentsABoardNeverShowsAreCounted() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        let send = fixture.deliver
        try await send(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.E1", text: "baddi 2 falafel, takeaway")
        )
        try await send(ServerFixture.buttonPayload(to: ExampleCatalog.hamraNumber, id: "wamid.E2", button: "confirm"))
        try await send(ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.E3", text: "qwzx vlorp"))
        try await fixture.parts.pool.query(
            PostgresStatement(
                "test.86",
                "UPDATE items SET availability = 'out_of_stock' WHERE key = 'hummus'",
                prepared: false
            )
        )
        try await send(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.E4", text: "1 hummus please")
        )
        func count(_ condition: String) async throws -> Int {
            try await fixture.count("SELECT count(*)::int FROM conversation_events WHERE \(condition)")
        }
        #expect(try await count("kind = 'started'") == 1)
        #expect(try await count("kind = 'cart'") == 1)
        #expect(try await count("kind = 'confirmed'") == 1)
        #expect(try await count("kind = 'not_understood' AND detail = 'qwzx vlorp'") == 1)
        #expect(try await count("kind = 'unavailable' AND detail = 'Hummus'") == 1)
        #expect(try await count("branch_id IS NOT NULL AND customer <> ''") == 5)
        // Another customer asks for the hummus too, then orders falafel instead: not an order lost.
        let other = "96170000456"
        try await send(
            ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, from: other, id: "wamid.F1", text: "2 hummus")
        )
        try await send(
            ServerFixture.textPayload(
                to: ExampleCatalog.hamraNumber,
                from: other,
                id: "wamid.F2",
                text: "1 falafel takeaway"
            )
        )
        try await send(
            ServerFixture.buttonPayload(to: ExampleCatalog.hamraNumber, from: other, id: "wamid.F3", button: "confirm")
        )
        #expect(try await count("kind = 'started'") == 2)
        #expect(try await count("kind = 'unavailable'") == 2)
        let business = try await fixture.parts.pool.query(
            PostgresStatement("test.business", "SELECT business_id FROM conversation_events LIMIT 1", prepared: false)
        )[0].decode(UUID.self, "business_id")
        let summary = try await fixture.parts.pool.withTransaction {
            try await ConversationEvents.summary(
                business: business,
                from: Date(timeIntervalSinceNow: -3600),
                until: Date(timeIntervalSinceNow: 3600),
                branch: nil,
                zone: "Asia/Beirut",
                on: $0
            )
        }
        #expect(summary.counts["started"] == 2 && summary.counts["confirmed"] == 2)
        #expect(summary.missed["unavailable"] == 2)
        #expect(summary.lost["unavailable"] == 1)
        #expect(summary.unavailable.first?.item == "hummus" && summary.unavailable.first?.count == 2)
        // Beside an order, a word that names nothing on the menu is what the customer did not get.
        try await send(
            ServerFixture.textPayload(
                to: ExampleCatalog.hamraNumber,
                from: other,
                id: "wamid.F4",
                text: "2 falafel w pizza"
            )
        )
        #expect(try await count("kind = 'unmatched' AND detail = 'pizza'") == 1)
        // 300 letters with a combining accent each (600 code points) are not read either: the message
        // is still handled, its event keeps 200 code points.
        let accented = String(repeating: "e\u{301}", count: 300)
        try await send(ServerFixture.textPayload(to: ExampleCatalog.hamraNumber, id: "wamid.E5", text: accented))
        #expect(try await count("kind = 'not_understood' AND char_length(detail) = 200") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state <> 'done'") == 0)
    }
}
