import Foundation
import TalabServer
import TalabStore
import TalabTestSupport
import Testing

/// The conversation engine behind the webhook workers, on a real database.
@Suite struct EngineHandlerTests {
    static func outbound(_ fixture: ServerFixture) async throws -> [String] {
        try await fixture.parts.pool.query(
            PostgresStatement("test.outbound", "SELECT body::text AS body FROM outbound_messages ORDER BY id")
        ).map { try $0.decode(String.self, "body") }
    }

    @Test func aCustomerOrdersByChatAndAConfirmationPlacesOneOrder() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        func send(_ body: [UInt8]) async throws {
            try await fixture.parts.inbox.store(body, orderingKey: nil)
            try await fixture.drain()
        }
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

@Suite struct OrderNotifierTests {
    @Test func aStatusChangeIsToldInTheCustomersLanguageOrByTemplateOutsideTheWindow() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        func send(_ body: [UInt8]) async throws {
            try await fixture.parts.inbox.store(body, orderingKey: nil)
            try await fixture.drain()
        }
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
}
