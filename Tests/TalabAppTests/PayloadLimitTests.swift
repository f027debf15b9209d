import Foundation
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// Fields Meta may send that the database would refuse, and bodies built to amplify: each is made
/// to fit at the edge, and no body fails or waits behind one for it.
@Suite struct PayloadLimitTests {
    static func body(_ number: String, contact: [String: Any], messages: [[String: Any]]) -> [UInt8] {
        ServerFixture.envelope(
            number,
            ["metadata": ["phone_number_id": number], "contacts": [contact], "messages": messages]
        )
    }

    @Test func oversizedNamesAndNumbersAndANulByteAreStoredAsTheEngineReadThem() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let number = ExampleCatalog.padelNumber
        let longPhone = String(repeating: "9", count: 40)
        let longName = String(repeating: "ر", count: 300)
        let body = PayloadLimitTests.body(
            number,
            contact: [
                "wa_id": longPhone, "profile": ["name": longName, "username": String(repeating: "u", count: 400)],
            ],
            messages: [
                [
                    "from": longPhone, "id": "wamid.limits.1", "timestamp": "1790000000", "type": "text",
                    "text": ["body": "court\u{0} at 8"],
                ]
            ]
        )
        try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body))
        // One pass: nothing is retried or left waiting.
        #expect(try await fixture.worker().drainOnce() == 1)
        let counts = try await fixture.parts.inbox.counts()
        #expect(counts.done == 1 && counts.pending == 0 && counts.failed == 0)
        let customer = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.customer",
                "SELECT wa_id, profile_name, username FROM whatsapp_customers",
                prepared: false
            )
        )[0]
        #expect(try customer.decode(String.self, "wa_id") == String(repeating: "9", count: 32))
        #expect(try customer.decode(String.self, "profile_name") == String(repeating: "ر", count: 255))
        #expect(try customer.decode(String.self, "username").count == 255)
        let logged = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.text",
                "SELECT text FROM audit.message_logs WHERE direction = 'inbound'",
                prepared: false
            )
        )[0]
        #expect(try logged.decode(String.self, "text") == "court\u{FFFD} at 8")
        #expect(WebhookPayload.read(body).values.first?.value.messages.first?.text == "court\u{FFFD} at 8")
    }

    @Test func aBodyOfTenThousandMessagesHandlesAHundredAndAHugeTextIsCutToWhatsAppsLimit() async throws {
        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        let number = ExampleCatalog.padelNumber
        let messages: [[String: Any]] = (0..<10_000).map { index in
            [
                "from": "96170000555", "id": "wamid.flood.\(index)", "timestamp": "1790000000", "type": "text",
                "text": ["body": index == 0 ? String(repeating: "a", count: 1_000_000) : "hi"],
            ]
        }
        let body = PayloadLimitTests.body(number, contact: ["wa_id": "96170000555"], messages: messages)
        let summary = try await fixture.parts.pool.withTransaction { connection in
            try await fixture.parts.processor.process(body, on: connection)
        }
        #expect(summary.messages == WebhookProcessor.maxMessages)
        #expect(summary.dropped == 10_000 - WebhookProcessor.maxMessages)
        #expect(summary.truncated == 1)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound'") == 100
        )
        #expect(
            try await fixture.count("SELECT max(length(text))::int FROM audit.message_logs") == PayloadText.maxLength
        )
        #expect(
            try await fixture.count("SELECT count(*)::int FROM outbound_messages") <= 2 * WebhookProcessor.maxMessages
        )
    }
}
