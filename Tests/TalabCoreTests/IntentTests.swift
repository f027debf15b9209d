import Foundation
import TalabCore
import Testing

@Suite struct IntentTests {
    static func first(_ text: String) -> Intent {
        IntentClassifier.classify(
            text,
            namesItems: !OrderParserTests.parser.parse(text).lines.isEmpty
                || !OrderParserTests.parser.parse(text).ambiguous.isEmpty
        )[0]
    }

    @Test(arguments: [
        ("marhaba", Intent.greeting), ("bonjour", .greeting), ("مرحبا", .greeting), ("hi there", .greeting),
        ("shu fi 3andkon?", .showMenu), ("send me the menu", .showMenu), ("la carte svp", .showMenu),
        ("شو في اكل؟", .showMenu),
        ("baddi 2 shawarma djej", .addItems), ("I want a fattoush", .addItems), ("deux taouk svp", .addItems),
        ("بدي ٢ فلافل", .addItems),
        ("2addesh el hummus?", .itemQuestion), ("how much is the mixed grill", .itemQuestion),
        ("combien le taboulé ?", .itemQuestion), ("fi falafel lyom?", .itemQuestion), ("قديش الحمص؟", .itemQuestion),
        ("shil el fattoush", .removeItem), ("remove the hummus", .removeItem),
        ("what's in my cart", .showCart), ("shu talabt?", .showCart),
        ("delivery please", .delivery), ("livraison", .delivery), ("takeaway", .takeaway), ("à emporter", .takeaway),
        ("sur place", .onSite),
        ("yes", .confirm), ("akid", .confirm), ("oui", .confirm), ("👍", .confirm), ("la2", .decline), ("non", .decline),
        ("cancel my order", .cancel), ("annuler", .cancel), ("بطلت", .cancel),
        ("where is my order?", .orderStatus), ("wen sar el talab?", .orderStatus),
        ("emta btsakro?", .openingHours), ("are you open now?", .openingHours), ("vous êtes ouverts ?", .openingHours),
        ("ايمتى بتسكروا؟", .openingHours),
        ("what's your refund policy", .policy), ("talk to a person", .human), ("baddi i7ki ma3 7ada", .human),
        ("merci!", .thanks), ("shukran", .thanks), ("asdfgh", .unknown),
    ])
    func messagesAreUnderstood(text: String, intent: Intent) {
        #expect(IntentTests.first(text) == intent, "\(text) → \(IntentClassifier.classify(text, namesItems: false))")
    }
}
