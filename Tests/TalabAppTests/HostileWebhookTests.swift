import Foundation
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// Signed bodies built to hurt, through the real processor and the conversation engine on the
/// example tenants: none may trap or fail its body, and each customer still gets an answer.
@Suite struct HostileWebhookTests {
    /// The ids the attack used, and more of their kind.
    static let ids = [
        "", ":", "::", String(repeating: ":", count: 10_240), "menu:more:-5", "menu:more:9223372036854775807",
        "slots:more:-1", "menu/main:more:-9223372036854775808", "slot:padel-60:-1", "slot::", "option:::",
        "option:chicken-shawarma:size/", "item:", "branch:", "branch:nowhere", "confirm", "menu", "\u{0}",
        String(repeating: "é", count: 5_000),
    ]

    static func value(_ generator: inout SeededGenerator, depth: Int = 0) -> Any {
        switch generator.next() % (depth > 2 ? 5 : 7) {
        case 0: return Int64(bitPattern: generator.next())
        case 1: return ids[Int(generator.next() % UInt64(ids.count))]
        case 2: return generator.next() % 2 == 0
        case 3: return NSNull()
        case 4: return Double(generator.next() % 1000) / 7
        case 5: return (0..<Int(generator.next() % 4)).map { _ in value(&generator, depth: depth + 1) }
        default:
            let keys = ["id", "type", "text", "body", "interactive", "button_reply", "list_reply", "button", "payload"]
            return Dictionary(
                (0..<Int(generator.next() % 4)).map { _ in
                    (keys[Int(generator.next() % UInt64(keys.count))], value(&generator, depth: depth + 1))
                },
                uniquingKeysWith: { first, _ in first }
            )
        }
    }

    /// A message of a known type from one customer, whose fields are replaced at random.
    static func message(_ generator: inout SeededGenerator, id: String) -> [String: Any] {
        let reply = ids[Int(generator.next() % UInt64(ids.count))]
        var message: [String: Any] = ["from": "96170000999", "id": id, "timestamp": "1790000000"]
        switch generator.next() % 5 {
        case 0:
            message["type"] = "interactive"
            message["interactive"] = ["type": "button_reply", "button_reply": ["id": reply, "title": "x"]]
        case 1:
            message["type"] = "interactive"
            message["interactive"] = ["type": "list_reply", "list_reply": ["id": reply, "title": "x"]]
        case 2:
            message["type"] = "button"
            message["button"] = ["payload": reply, "text": reply]
        case 3:
            message["type"] = "text"
            message["text"] = ["body": reply]
        default:
            message["type"] = ["interactive", "text", "location", "order", "weird"][Int(generator.next() % 5)]
            for key in ["interactive", "text", "location", "order", "weird"] where generator.next() % 2 == 0 {
                message[key] = value(&generator)
            }
        }
        return message
    }

    @Test func hostileRepliesAndShapesNeverFailABodyAndTheCustomerIsStillAnswered() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        var generator = SeededGenerator(seed: 0x5EED_13)
        let numbers = [ExampleCatalog.abuSalimNumber, ExampleCatalog.padelNumber]
        var stored = 0
        for index in 0..<240 {
            let number = numbers[index % numbers.count]
            let body = ServerFixture.envelope(
                number,
                [
                    "metadata": ["phone_number_id": number],
                    "contacts": [["wa_id": "96170000999", "profile": ["name": "Fuzz"]]],
                    "messages": [HostileWebhookTests.message(&generator, id: "wamid.fuzz.\(index)")],
                ]
            )
            try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body))
            stored += 1
            if index % 20 == 19 { try await fixture.drain() }
        }
        try await fixture.drain()
        let counts = try await fixture.parts.inbox.counts()
        #expect(counts.done == stored && counts.pending == 0 && counts.failed == 0)
        // Every message was logged once and nearly every one answered (a sticker-like gesture is only read).
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound'")
                == stored
        )
        #expect(try await fixture.count("SELECT count(DISTINCT customer_id)::int FROM outbound_messages") == 2)
        #expect(try await fixture.count("SELECT count(*)::int FROM outbound_messages") > stored)
    }
}
