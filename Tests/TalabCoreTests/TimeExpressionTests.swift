import Foundation
import TalabCore
import Testing

@Suite struct TimeExpressionTests {
    static let beirut = TimeZone(identifier: "Asia/Beirut")!
    /// Thursday 26 November 2026, 15:10 in Beirut.
    static let now = OpeningScheduleTests.beirut("2026-11-26 15:10")

    @Test(arguments: [
        ("bokra 8 l masa", "2026-11-27 20:00"),
        ("demain à 13h", "2026-11-27 13:00"),
        ("demain a 20h30", "2026-11-27 20:30"),
        ("tomorrow 8pm", "2026-11-27 20:00"),
        ("today at 19:30", "2026-11-26 19:30"),
        ("ce soir à 21h", "2026-11-26 21:00"),
        ("tonight", "2026-11-26 19:00"),
        ("بكرا الساعة ٨ المسا", "2026-11-27 20:00"),
        ("at 7", "2026-11-26 19:00"),
        ("at 2pm", "2026-11-27 14:00"),  // 14:00 has passed today: tomorrow
        ("bokra", "2026-11-27 19:00"),
    ])
    func timesAreReadInFourLanguages(text: String, expected: String) {
        let moment = TimeExpression.resolve(text, now: TimeExpressionTests.now, timeZone: TimeExpressionTests.beirut)
        #expect(moment == OpeningScheduleTests.beirut(expected), "\(text)")
    }

    @Test func quantitiesAreNotTimes() {
        for text in ["2 shawarma", "baddi 3 falafel", "deux taouk", "fi 2?"] {
            #expect(
                TimeExpression.resolve(text, now: TimeExpressionTests.now, timeZone: TimeExpressionTests.beirut) == nil,
                "\(text)"
            )
        }
    }
}
