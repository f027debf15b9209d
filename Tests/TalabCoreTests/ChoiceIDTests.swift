import Foundation
import TalabCore
import Testing

/// Choice ids are read back from whatever a signed webhook carries: what Talab built reads back the
/// same, and nothing else is taken for a choice.
@Suite struct ChoiceIDTests {
    @Test(arguments: [
        ChoiceID.menu, .page(.menu(nil), 3), .page(.menu("breakfast"), 0), .page(.menu("main"), 2), .page(.slots, 1),
        .confirm, .change, .deliveryType(.onSite), .deliveryType(.delivery),
        .slot(item: "padel-60", start: 1_795_000_000),
        .option(item: "chicken-shawarma", group: "size", choice: "large"), .item("fattoush"), .branch("hamra"),
    ])
    func everyIdTalabBuildsReadsBackTheSame(_ id: ChoiceID) {
        #expect(ChoiceID(rawValue: id.rawValue) == id, "\(id.rawValue)")
    }

    @Test func theIdsTheFirstVersionsSentStillRead() {
        #expect(ChoiceID(rawValue: "menu/main:more:1") == .page(.menu("main"), 1))
        #expect(ChoiceID(rawValue: "menu/main") == .page(.menu("main"), 0))
        #expect(ChoiceID(rawValue: "slots:more:1") == .page(.slots, 1))
        #expect(ChoiceID(rawValue: "option:kebbe:size/large") == .option(item: "kebbe", group: "size", choice: "large"))
        #expect(ChoiceID(rawValue: "on_site") == .deliveryType(.onSite))
    }

    @Test(arguments: [
        "", ":", "::", ":::", String(repeating: ":", count: 10_000), "menu:", "menu::", "menu:more:", "menu:more:-5",
        "menu:more:9223372036854775807", "menu:more:99999999999999999999", "slots:more:-1", "slots:more:+1",
        "slots:more: 1", "menu:less:1", "menu/", "menu/:more:1", "menu/a/b", "item:", "item:a:b", "item: x",
        "option:a:b", "option:a:/c", "option:a:b/", "option:a:b/c/d", "option::b/c", "slot:a:", "slot:a:-1",
        "slot:a:1.5", "slot:a:1e9", "slot:a:9223372036854775807", "slot::1", "branch:", "confirm:now", "CONFIRM",
        "menu\u{0}", "item:\u{0}", "item:" + String(repeating: "x", count: 300), "\u{202E}menu", "delivery:1",
    ])
    func anIdTalabNeverBuiltIsRefused(_ raw: String) {
        #expect(ChoiceID(rawValue: raw) == nil)
    }
}
