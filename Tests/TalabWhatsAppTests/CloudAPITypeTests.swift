import Foundation
import TalabTestSupport
import Testing

@testable import TalabWhatsApp

/// Payloads written here from the Cloud API reference, one per message type, through the reader.
@Suite struct CloudAPITypeTests {
    static func message(_ json: String) throws -> InboundMessage {
        let body = """
            {"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"9611000000","phone_number_id":"1"},
            "contacts":[{"profile":{"name":"Rami"},"wa_id":"96170000123","user_id":"LB.1"}],
            "messages":[{"from":"96170000123","from_user_id":"LB.1","id":"wamid.T","timestamp":"1790000000",\(json)}]}}]}]}
            """
        return try #require(WebhookPayload.read(Array(body.utf8)).values.first?.value.messages.first)
    }

    @Test(arguments: [
        (
            #""type":"text","text":{"body":"baddi 2 shawarma bala toum"}"#,
            InboundMessage.Content.text("baddi 2 shawarma bala toum")
        ),
        (
            #""type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"item:falafel","title":"Falafel","description":"6 pieces"}}"#,
            .listReply(id: "item:falafel", title: "Falafel", description: "6 pieces")
        ),
        (
            #""type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"confirm","title":"Confirm"}}"#,
            .buttonReply(id: "confirm", title: "Confirm")
        ),
        (
            #""type":"button","button":{"payload":"track","text":"Track order"}"#,
            .button(payload: "track", text: "Track order")
        ),
        (
            #""type":"location","location":{"latitude":33.8938,"longitude":35.5018,"name":"Hamra","address":"Hamra St, Beirut"}"#,
            .location(latitude: 33.8938, longitude: 35.5018, name: "Hamra", address: "Hamra St, Beirut")
        ),
        (
            #""type":"location","location":{"latitude":"33.9","longitude":"35.5"}"#,
            .location(latitude: 33.9, longitude: 35.5, name: nil, address: nil)
        ),
        (
            #""type":"image","image":{"id":"MEDIA1","mime_type":"image/jpeg","sha256":"x","caption":"this one"}"#,
            .media(kind: "image", id: "MEDIA1", mimeType: "image/jpeg", caption: "this one", voice: false)
        ),
        (
            #""type":"audio","audio":{"id":"MEDIA2","mime_type":"audio/ogg; codecs=opus","voice":true}"#,
            .media(kind: "audio", id: "MEDIA2", mimeType: "audio/ogg; codecs=opus", caption: nil, voice: true)
        ),
        (
            #""type":"document","document":{"id":"MEDIA3","mime_type":"application/pdf","filename":"menu.pdf"}"#,
            .media(kind: "document", id: "MEDIA3", mimeType: "application/pdf", caption: nil, voice: false)
        ),
        (
            #""type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":"👍"}"#,
            .reaction(messageID: "wamid.OUT", emoji: "👍")
        ),
        (
            #""type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":""}"#,
            .reaction(messageID: "wamid.OUT", emoji: nil)
        ),
        (
            #""type":"contacts","contacts":[{"name":{"formatted_name":"Rima"}},{"name":{"formatted_name":"Sami"}}]"#,
            .contacts(count: 2)
        ),
        (
            #""type":"system","system":{"body":"User changed","type":"user_changed_user_id","user_id":"LB.2"}"#,
            .system(.init(type: "user_changed_user_id", body: "User changed", newWaID: nil, newUserID: "LB.2"))
        ),
        (
            #""type":"unsupported","errors":[{"code":131051,"title":"Message type unknown"}]"#,
            .unsupported
        ),
        (#""type":"hologram","hologram":{}"#, .unknown),
    ])
    func everyTypeIsRead(json: String, expected: InboundMessage.Content) throws {
        #expect(try CloudAPITypeTests.message(json).content == expected)
    }

    @Test func aReplyCarriesItsContextAndAnUnsupportedMessageItsError() throws {
        let reply = try CloudAPITypeTests.message(
            #""type":"text","text":{"body":"yes"},"context":{"from":"9611000000","id":"wamid.ASKED"}"#
        )
        #expect(reply.contextMessageID == "wamid.ASKED")
        let unsupported = try CloudAPITypeTests.message(
            #""type":"unsupported","errors":[{"code":131051,"title":"Message type unknown","error_data":{"details":"x"}}]"#
        )
        #expect(unsupported.errors.first?.code == 131051 && unsupported.errors.first?.details == "x")
    }

    @Test func theRateLimitSpacesEachNumberOnItsOwn() {
        let limiter = RateLimiter(perSecond: 80)
        let now = ContinuousClock.now
        let first = (0..<3).map { _ in limiter.reserve("number-a", now: now) }
        #expect(first == [now, now + .microseconds(12_500), now + .microseconds(25_000)])
        #expect(limiter.reserve("number-b", now: now) == now)
        // Once the slots are in the past, the next call goes at once.
        #expect(limiter.reserve("number-a", now: now + .seconds(1)) == now + .seconds(1))
    }
}
