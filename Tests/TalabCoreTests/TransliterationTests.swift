import Foundation
import TalabCore
import Testing

/// A word written in Arabic script and the same word in Latin letters share a key; other words
/// do not (LANGUAGE-NOTES.md has the sounds).
@Suite struct TransliterationTests {
    static func meet(_ latin: String, _ arabic: String) -> Bool {
        let words = { (text: String) in TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init) }
        return !Set(Transliteration.keys(phrase: words(latin))).isDisjoint(
            with: Transliteration.keys(phrase: words(arabic))
        )
    }

    @Test(arguments: [
        ("kbir", "كبير"), ("zghir", "صغير"), ("wasat", "وسط"), ("la7me bi 3ajin", "لحم بعجين"), ("bala moz", "بلا موز"),
        ("rimmen", "رمان"), ("shay", "شاي"), ("fostok", "فستق"), ("2ahwe", "قهوة"), ("ahwe", "قهوة"),
        ("sabanikh", "سبانخ"), ("jebne", "جبنة"), ("man2oushe", "منقوشة"), ("limonada bi na3na3", "ليموناضة بالنعنع"),
        ("mkassarat", "مكسرات"), ("pepsi", "بيبسي"), ("california", "كاليفورنيا"), ("3 tabet", "٣ طابات"),
    ])
    func theSameWordInBothScriptsMeets(latin: String, arabic: String) {
        #expect(TransliterationTests.meet(latin, arabic), "\(latin) / \(arabic): \(Transliteration.keys(latin))")
    }

    @Test(arguments: [
        ("toum", "تمام"), ("kbir", "صغير"), ("batata", "بندورة"), ("3 tabet", "٢ طابات"), ("laban", "لبنة زيت"),
    ])
    func differentWordsDoNot(latin: String, arabic: String) {
        #expect(!TransliterationTests.meet(latin, arabic), "\(latin) / \(arabic)")
    }

    @Test func twoConsonantsMatchOnlyAWordOfFourLettersThatHasNoMore() {
        #expect(Transliteration.matchingKeys("shay").contains("Sy"))
        #expect(Transliteration.matchingKeys("me").isEmpty)
        // منيو read without its و and ي would be `mn`: not enough to match anything.
        #expect(!Transliteration.matchingKeys("منيو").contains("mn"))
        #expect(Transliteration.matchingKeys("moz").isEmpty)
        #expect(Transliteration.matchingKeys("moz", short: true).contains("ms"))
    }
}
