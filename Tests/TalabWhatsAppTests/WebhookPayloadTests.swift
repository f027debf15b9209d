import Foundation
import TalabTestSupport
import Testing

@testable import TalabWhatsApp

@Suite struct WebhookPayloadTests {
    @Test(.enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.missing)))
    func theOrderingKeyReadAloneIsTheOneTheWholePayloadGives() throws {
        // The whole payload's reading of the rule: the first change whose first message names a sender.
        func expected(_ bytes: [UInt8]) -> String? {
            for (_, value) in WebhookPayload.read(bytes).values {
                guard let message = value.messages.first, let sender = message.fromUserID ?? message.from else {
                    continue
                }
                return "\(value.phoneNumberID ?? "?")/\(sender)"
            }
            return nil
        }
        var keyed = 0
        var odd: [[UInt8]] = [
            Array(
                #"{"entry":[7,{"changes":[{"value":{"metadata":{"phone_number_id":12},"messages":["x",{"from":96170}]}}]}]}"#
                    .utf8
            ),
            Array(
                #"{"entry":[{"changes":[{"value":{"messages":[{"id":"no sender"}]}},{"value":{"messages":[{"from_user_id":"LB.1","from":"961"}]}}]}]}"#
                    .utf8
            ),
            Array("not json".utf8), Array("[]".utf8),
        ]
        // Read straight from the bytes now (OrderingKeyScanner): the shapes JSON allows and a
        // hand-written reader gets wrong first, each held to what JSONDecoder's reading gives.
        let shapes = [
            #"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"9\"6\\1\u00e9\ud83d\ude00\/"}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":1.0},"messages":[{"from":1e3}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":-5},"messages":[{"from":123456789012345678901234}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":true},"messages":[{"from":null,"from_user_id":false}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"1"}],"messages":[{"from":"2"}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"1"}]}}]}],"entry":[]}"#,
            #" { "entry" : [ { "changes" : [ { "value" : { "messages" : [ 1 , { "from" : "7" } ] } } ] } ] } "#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}]}}]}]} trailing"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"\ud800"}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"\udc00x"}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"a\qb"}]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"01"}],"x":01}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}],"x":[1,2,]}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}],"x":-}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}],"x":tru}}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"metadata":[],"messages":[{"from":"7"}]},"value":5}]}]}"#,
            #"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"8"}}},{"value":{"messages":[{"from":"7"}]}}]}]}"#,
            #"{"entry":{"changes":[]}}"#, #"{"entry":[]}"#, #"{}"#, #""""#,
            #"{"entry":[{"changes":[{"value":{"messages":[{}]}}]}]}"#,
        ].map { Array($0.utf8) }
        let nested = Array(
            (#"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}],"x":"#
                + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}}]}]}").utf8
        )
        let raw: [[UInt8]] = [
            Array(#"{"entry":[{"changes":[{"value":{"messages":[{"from":"7\#u{1}"}]}}]}]}"#.utf8),
            Array(#"{"entry":[{"changes":[{"value":{"messages":[{"from":""#.utf8) + [0xFF, 0xFE]
                + Array(#""}]}}]}]}"#.utf8),
            Array(#"{"entry":[{"changes":[{"value":{"messages":[{"from":"7"}],"x":""#.utf8) + [0xC3]
                + Array(#""}}]}]}"#.utf8),
        ]
        odd += shapes + [nested] + raw
        for (name, bytes) in try PeerFixtures.all().map({ ($0.name, $0.bytes) }) + odd.map({ ("odd", $0) }) {
            let key = WebhookPayload.orderingKey(of: bytes)
            #expect(key == expected(bytes), "\(name)")
            if key != nil { keyed += 1 }
        }
        #expect(keyed > 40)
        // Every peer fixture is strict JSON: read by the scanner, never by the fallback.
        for (name, bytes) in try PeerFixtures.all().map({ ($0.name, $0.bytes) }) {
            let scanned = bytes.withUnsafeBufferPointer(OrderingKeyScanner.key(of:))
            #expect((try? scanned.get()) == WebhookPayload.orderingKey(of: bytes), "\(name)")
            if case .failure = scanned { Issue.record("\(name) was read by the fallback") }
        }
        #expect(WebhookPayload.orderingKey(of: odd[0]) == "12/96170")
        #expect(WebhookPayload.orderingKey(of: odd[1]) == "?/LB.1")
    }

    @Test(.enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.missing)))
    func everyPeerFixtureIsReadWithoutLosingAMessageOrAStatus() throws {
        let fixtures = try PeerFixtures.all()
        #expect(fixtures.count == 80)
        var kinds: Set<String> = []
        for (name, bytes) in fixtures {
            let payload = WebhookPayload.read(bytes)
            #expect(payload.object == "whatsapp_business_account", "\(name)")
            // Count what the raw JSON holds and compare: the lenient reader may skip nothing that has an id.
            let raw = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            let values = (raw?["entry"] as? [[String: Any]] ?? []).flatMap { $0["changes"] as? [[String: Any]] ?? [] }
                .compactMap { $0["value"] as? [String: Any] }
            let messages = values.reduce(0) { $0 + (($1["messages"] as? [Any])?.count ?? 0) }
            let statuses = values.reduce(0) { $0 + (($1["statuses"] as? [Any])?.count ?? 0) }
            #expect(payload.values.reduce(0) { $0 + $1.value.messages.count } == messages, "\(name)")
            #expect(payload.values.reduce(0) { $0 + $1.value.statuses.count } == statuses, "\(name)")
            for (_, value) in payload.values {
                for message in value.messages { kinds.insert(WebhookPayloadTests.kind(message.content)) }
            }
        }
        #expect(
            kinds == [
                "text", "button_reply", "list_reply", "button", "location", "media", "reaction", "contacts", "order",
                "system", "unsupported", "unknown",
            ]
        )
    }

    static func kind(_ content: InboundMessage.Content) -> String {
        switch content {
        case .text: return "text"
        case .buttonReply: return "button_reply"
        case .listReply: return "list_reply"
        case .button: return "button"
        case .location: return "location"
        case .media: return "media"
        case .reaction: return "reaction"
        case .contacts: return "contacts"
        case .order: return "order"
        case .system: return "system"
        case .unsupported: return "unsupported"
        case .unknown: return "unknown"
        }
    }

    @Test(.enabled(if: PeerFixtures.available, Comment(rawValue: PeerFixtures.missing)))
    func identitiesTypesAndErrorsAreReadFromTheirShapes() throws {
        func first(_ name: String) throws -> (WebhookPayload.Value, InboundMessage?) {
            let value = try #require(WebhookPayload.read(try PeerFixtures.named(name)).values.first?.value)
            return (value, value.messages.first)
        }
        // A username user: only the business-scoped id, no phone.
        let (username, hello) = try first("10-botpress-text-username-only.json")
        #expect(hello?.from == nil && hello?.fromUserID == "CO.1047385771169864")
        #expect(username.contact(for: try #require(hello))?.username == "Julianzlc")
        #expect(hello?.content == .text("Hello"))

        let (_, tapped) = try first("33-pywa-interactive-button-reply.json")
        #expect(tapped?.content == .buttonReply(id: "callback_data", title: "title"))
        #expect(tapped?.contextMessageID == "wamid.xyzxyz")

        let (_, order) = try first("41-pywa-order.json")
        guard case .order(let catalog, let items, _) = order?.content else {
            Issue.record("not an order: \(String(describing: order?.content))")
            return
        }
        #expect(catalog == "354160437058781")
        #expect(items.first?.productRetailerID == "HAMBURGER" && items.first?.quantity == 3)

        let (_, changed) = try first("51-pywa-system-user-changed-number.json")
        guard case .system(let system) = changed?.content else {
            Issue.record("not a system message")
            return
        }
        #expect(system.type == "user_changed_number" && system.newWaID == "972912345678")

        let (failed, _) = try first("70-binda-status-failed-131047.json")
        #expect(failed.statuses.first?.status == "failed")
        #expect(failed.statuses.first?.errors.first?.code == 131047)

        // Numbers as strings, integer timestamps.
        let (placeholder, located) = try first("26-pywa-location-current.json")
        if case .location(let latitude, _, _, _) = located?.content {
            #expect(abs(latitude) > 0)
        } else {
            Issue.record("not a location: \(String(describing: located?.content)) in \(placeholder)")
        }
    }

    @Test func bodiesThatAreNotJSONOrOddlyShapedAreReadAsEmptyNotAsErrors() {
        for body in ["", "null", "[1,2]", #"{"entry": 5}"#, #"{"entry": [5, {"changes": "x"}]}"#, "\u{FEFF}{"] {
            let payload = WebhookPayload.read(Array(body.utf8))
            #expect(payload.values.isEmpty)
        }
        let skipped = WebhookPayload.read(Array(#"{"entry": [5, {"id": "1", "changes": []}]}"#.utf8))
        #expect(skipped.entries.count == 1 && skipped.skipped == 1)
    }
}
