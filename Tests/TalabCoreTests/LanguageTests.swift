import Foundation
import TalabCore
import Testing

@Suite struct TextNormalizerTests {
    @Test func arabicVariantsDiacriticsAndDigitsFold() {
        #expect(TextNormalizer.normalize("أريد ٢ شاورما") == TextNormalizer.normalize("اريد 2 شاورما"))
        #expect(TextNormalizer.normalize("سَلَطَة") == "سلطه")
        #expect(TextNormalizer.normalize("إلى") == "الي")
        #expect(TextNormalizer.normalize("Taboulé CRÊPE") == "taboule crepe")
        #expect(TextNormalizer.normalize("۳ فلافل") == "3 فلافل")
        #expect(
            TextNormalizer.words(TextNormalizer.normalize("s'il vous plaît, 2x taouk!! 👍")).map(String.init) == [
                "s", "il", "vous", "plait", "2x", "taouk",
            ]
        )
    }
}

@Suite struct LanguageDetectorTests {
    /// Lines as Lebanese customers write them, with the language a person reading them would say.
    static let corpus: [(String, Language)] = [
        ("baddi 2 shawarma bala toum", .arabizi),
        ("baddi 2 shawarma djej bala toum w 1 fattoush, delivery", .arabizi),
        ("kifak, fi falafel lyom?", .arabizi),
        ("emta btsakro?", .arabizi),
        ("shu fi 3andkon?", .arabizi),
        ("chou fi akel?", .arabizi),
        ("yalla khalas", .arabizi),
        ("la2 la2", .arabizi),
        ("akid!", .arabizi),
        ("tayeb", .arabizi),
        ("ma3 toum zyede please", .arabizi),
        ("bokra 8 l masa", .arabizi),
        ("2addesh el hummus?", .arabizi),
        ("eza fi delivery 3al hamra", .arabizi),
        ("mech 3ayez basal", .arabizi),
        ("halla2 ba3atlak el location", .arabizi),
        ("sa7 hek", .arabizi),
        ("bade e7jez court padel bokra", .arabizi),
        ("I want 2 chicken shawarma and a fattoush", .english),
        ("can I get a mjadara and 2 manakish", .english),
        ("how much is the mixed grill?", .english),
        ("are you open now?", .english),
        ("tomorrow 8pm please", .english),
        ("cancel my order", .english),
        ("what time do you close", .english),
        ("2x taouk, no garlic, delivery to hamra", .english),
        ("I'd like to book a court for tomorrow at 7pm", .english),
        ("thanks!", .english),
        ("je voudrais deux shawarma sans oignons", .french),
        ("bonjour, vous livrez à Achrafieh ?", .french),
        ("demain à 13h svp", .french),
        ("merci beaucoup", .french),
        ("c'est combien le houmous ?", .french),
        ("je veux réserver une coupe pour demain", .french),
        ("une grande assiette de taouk avec du fromage", .french),
        ("annuler ma commande", .french),
        ("بدي ٢ شاورما دجاج بلا توم", .arabic),
        ("مرحبا، شو في اكل اليوم؟", .arabic),
        ("قديش سعر الحمص؟", .arabic),
        ("ايمتى بتسكروا؟", .arabic),
        ("بدي احجز ملعب بكرا الساعة ٨", .arabic),
        ("شكرا كتير", .arabic),
        ("khalas merci, bonne nuit", .french),
        ("ok thanks habibi", .english),
    ]

    @Test func theCorpusIsReadInItsLanguage() {
        let detector = LanguageDetector()
        var wrong: [String] = []
        for (line, expected) in LanguageDetectorTests.corpus {
            let detected = detector.detect(line, fallback: .english).language
            if detected != expected { wrong.append("\(line) → \(detected), expected \(expected)") }
        }
        let accuracy = 1 - Double(wrong.count) / Double(LanguageDetectorTests.corpus.count)
        #expect(accuracy >= 0.95, "\(wrong.joined(separator: "\n"))")
    }

    /// A dish's name is the customer's choice of a name, not of a language: the words of the menu's
    /// English or French names count only in a line with no other evidence.
    @Test func functionWordsOutweighTheMenusNames() {
        let detector = LanguageDetector(
            sharedWords: ["chicken", "burger", "classic", "single", "plate", "francisco", "cheese"],
            names: [("Chicken Burger", .english), ("Classic", .english), ("Single", .english), ("Plate", .english)]
        )
        #expect(detector.detect("chicken burger w classic single", fallback: .arabic).language == .arabizi)
        #expect(detector.detect("chicken burger classic", fallback: .arabizi).language == .english)
        // A choice's word in a plural the menu does not write.
        #expect(detector.detect("2 shish taouk plates", fallback: .arabic).language == .english)
        // A name with a plural ending is English or French grammar, not Arabizi.
        #expect(detector.detect("3 franciscos", fallback: .arabizi).language != .arabizi)
        #expect(detector.detect("4 sandwichs francisco", fallback: .arabizi).language == .french)
    }

    @Test func noEvidenceKeepsTheConversationsLanguageAndQuantitiesAreNotArabizi() {
        let detector = LanguageDetector()
        for line in ["ok", "👍", "2", "2 shawarma", "3x falafel"] {
            #expect(detector.detect(line, previous: .french, fallback: .english).language == .french, "\(line)")
            #expect(detector.detect(line, previous: .french).confidence == 0, "\(line)")
        }
        // Units stuck to numbers are not Arabizi; a digit for a letter is.
        #expect(detector.detect("18h").confidence == 0)
        #expect(detector.detect("500g 7pm 3pcs").confidence == 0)
        #expect(detector.detect("ma3").language == .arabizi)
        // `ch` and `ou` are Lebanese too.
        #expect(detector.detect("chou baddak").language == .arabizi)
        // A tie goes to the business's default.
        #expect(detector.detect("yes oui", fallback: .french).language == .french)
    }
}

@Suite struct NumberWordsTests {
    @Test(arguments: [
        ("2", 2), ("٣", 3), ("3x", 3), ("x4", 4), ("two", 2), ("deux", 2), ("tnein", 2), ("اثنين", 2), ("إثنين", 2),
        ("tlete", 3), ("ثلاثة", 3), ("une", 1), ("a", 1), ("5amse", 5), ("عشرة", 10), ("dozen", 12),
    ])
    func spelledAndWrittenQuantities(word: String, value: Int) {
        #expect(NumberWords.quantity(TextNormalizer.normalize(word)) == value)
    }

    @Test func notQuantities() {
        for word in ["0", "100", "shawarma", "x", "2pm"] { #expect(NumberWords.quantity(word) == nil, "\(word)") }
    }
}

@Suite struct OrderStateMachineTests {
    @Test func theHappyPathAndCancellationAreAllowedAndEveryOtherMoveIsRefused() throws {
        let allowed: Set<[OrderStatus]> = [
            [.pending, .accepted], [.accepted, .preparing], [.preparing, .ready], [.ready, .completed],
            [.pending, .cancelled], [.accepted, .cancelled], [.preparing, .cancelled], [.ready, .cancelled],
        ]
        for from in OrderStatus.allCases {
            for to in OrderStatus.allCases {
                if allowed.contains([from, to]) {
                    #expect(try OrderStateMachine.transition(from: from, to: to) == to)
                } else {
                    #expect(throws: OrderStateMachine.IllegalTransition(from: from, to: to)) {
                        try OrderStateMachine.transition(from: from, to: to)
                    }
                }
            }
        }
        #expect(OrderStateMachine.isFinal(.completed) && OrderStateMachine.isFinal(.cancelled))
        #expect(!OrderStateMachine.isFinal(.ready))
    }
}
