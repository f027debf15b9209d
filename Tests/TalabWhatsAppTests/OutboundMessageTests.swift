import Foundation
import TalabTestSupport
import TalabWhatsApp
import Testing

@Suite struct OutboundMessageTests {
    @Test func longTextIsSplitAtTheLimitOnWordBoundaries() throws {
        let word = "shawarma "
        let text = String(repeating: word, count: 1_000)
        let messages = OutboundMessage.text(text)
        #expect(messages.count == 3)
        for message in messages {
            guard case .text(let piece) = message.content else { throw TestFailure("not text") }
            #expect(piece.count <= OutboundMessage.Limit.text)
            #expect(piece.hasSuffix("shawarma"))
        }
    }

    @Test func buttonsAreClippedAndMoreThanThreeBecomeAList() throws {
        let choices = (1...3).map { OutboundMessage.Choice(id: "b\($0)", title: "A very long button title \($0)") }
        let buttons = OutboundMessage.buttons("Pick one", choices)
        guard case .buttons(_, let shown) = try #require(buttons.first).content else { throw TestFailure("no buttons") }
        #expect(shown.allSatisfy { $0.title.count <= OutboundMessage.Limit.buttonTitle })
        let four = OutboundMessage.buttons("Pick", choices + [.init(id: "b4", title: "Four")])
        guard case .list = try #require(four.first).content else { throw TestFailure("four buttons are not a list") }
    }

    @Test func aLongListPagesWithAMoreRow() throws {
        let rows = (1...25).map {
            OutboundMessage.Choice(
                id: "item:\($0)",
                title: "Item number \($0) with a long name",
                description: String(repeating: "d", count: 100)
            )
        }
        var seen: [String] = []
        for page in 0..<3 {
            let list = OutboundMessage.list(
                "Menu",
                button: "See the whole menu now",
                rows,
                page: page,
                moreID: { "menu:more:\($0)" }
            )
            guard case .list(_, let button, let shown) = try #require(list.first).content else {
                throw TestFailure("no list")
            }
            #expect(shown.count <= OutboundMessage.Limit.listRows)
            #expect(button.count <= OutboundMessage.Limit.listButton)
            #expect(shown.allSatisfy { $0.title.count <= 24 && ($0.description?.count ?? 0) <= 72 })
            seen += shown.map(\.id).filter { !$0.contains(":more:") }
            #expect(shown.last?.id == (page < 2 ? "menu:more:\(page + 1)" : "item:25"))
        }
        #expect(seen == rows.map(\.id))
    }

    @Test func requestBodiesFollowTheCloudAPIShapes() throws {
        let reply = try #require(OutboundMessage.text("Ahla w sahla", replyTo: "wamid.IN").first)
        let toPhone = JSONValue.object(reply.requestBody(to: .phone("96170000123")))
        #expect(toPhone["to"] == "96170000123" && toPhone["recipient"] == nil)
        #expect(toPhone["context"]?["message_id"] == "wamid.IN")
        #expect(toPhone["text"]?["body"] == "Ahla w sahla")
        let toUser = JSONValue.object(reply.requestBody(to: .userID("LB.123")))
        #expect(toUser["recipient"] == "LB.123" && toUser["to"] == nil)

        let read = JSONValue.object(OutboundMessage.markRead("wamid.IN").requestBody(to: .phone("1")))
        #expect(read["status"] == "read" && read["typing_indicator"]?["type"] == "text" && read["to"] == nil)

        let location = JSONValue.object(OutboundMessage.locationRequest("Where?").requestBody(to: .phone("1")))
        #expect(location["interactive"]?["type"] == "location_request_message")
    }
}

@Suite struct OutboundMessagePagingEdgeTests {
    @Test(arguments: [Int.min, -5, -1, 0, 1, 2, 3, 9_999, Int.max])
    func anyPageNumberShowsARealPage(_ page: Int) throws {
        let rows = (0..<26).map { OutboundMessage.Choice(id: "item:\($0)", title: "Item \($0)") }
        let list = OutboundMessage.list("Menu", button: "Menu", rows, page: page, moreID: { "menu:more:\($0)" })
        guard case .list(_, _, let shown) = try #require(list.first).content else { throw TestFailure("no list") }
        let expected = min(max(page, 0), 2)
        #expect(shown.first?.id == "item:\(expected * 9)")
        #expect(shown.last?.id == (expected < 2 ? "menu:more:\(expected + 1)" : "item:25"))
    }
}
