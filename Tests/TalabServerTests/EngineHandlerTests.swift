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
