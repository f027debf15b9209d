import Foundation
import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// Conversations with the example restaurant's Hamra branch, on its real configuration.
@Suite struct ConversationEngineTests {
    static let engine = ConversationEngine(
        tenant: OrderParserTests.tenant,
        branch: OrderParserTests.tenant.branches.first { $0.key == "hamra" }
    )
    /// Thursday 26 November 2026, 13:00 in Beirut: open.
    static let lunch = OpeningScheduleTests.beirut("2026-11-26 13:00")

    static func start() -> ConversationState { ConversationState(currency: OrderParserTests.tenant.business.currency) }

    @Test func anArabiziOrderWithDeliveryGoesFromCartToAPlacedOrder() throws {
        let engine = ConversationEngineTests.engine
        var state = ConversationEngineTests.start()
        let first = engine.handle(
            .text("baddi 2 shawarma djej bala toum w 1 fattoush, delivery"),
            state: &state,
            now: ConversationEngineTests.lunch
        )
        #expect(state.language == .arabizi)
        #expect(state.cart.lines.map(\.itemKey) == ["chicken-shawarma", "fattoush"])
        #expect(first.replies.first?.text.hasPrefix("Zedna 2 × Chicken Shawarma") == true, "\(first.replies)")
        // The shawarma's size is required: asked with its choices and prices from the menu.
        #expect(state.awaiting == .option(item: "chicken-shawarma", group: "size"))
        // The choices in the customer's Arabizi, from the tenant's translations.
        #expect(first.replies.last?.choices.map(\.title) == ["3adi", "kbir +$1.50"])
        let sized = engine.handle(.text("large"), state: &state, now: ConversationEngineTests.lunch)
        #expect(state.cart.lines[0].options.map(\.key) == ["remove/no-toum", "size/large"], "\(sized.replies)")
        #expect(state.awaiting == .location)

        // A pin 1 km from the Hamra branch.
        let located = engine.handle(
            .location(latitude: 33.9040, longitude: 35.4850),
            state: &state,
            now: ConversationEngineTests.lunch
        )
        #expect(state.awaiting == .confirmation)
        let prompt = try #require(located.replies.last)
        #expect(prompt.choices.map(\.id.rawValue) == ["confirm", "change"])
        #expect(prompt.text.contains(state.cart.subtotal.description))

        let confirmed = engine.handle(.choice("confirm"), state: &state, now: ConversationEngineTests.lunch)
        guard case .placeOrder(let order) = confirmed.effects.first else {
            throw TestFailure("no order placed: \(confirmed)")
        }
        #expect(order.cart.lines.count == 2 && order.deliveryType == .delivery && order.deliveryFee > 0)
        #expect(order.scheduledFor == nil && order.language == .arabizi && order.bookings.isEmpty)
        #expect(order.address == DeliveryAddress(latitude: 33.9040, longitude: 35.4850))
        #expect(state.cart.isEmpty)
    }

    @Test func aVoiceNoteOrAPictureIsAnsweredInTheCustomersLanguageAndTheCartWaits() {
        let engine = ConversationEngineTests.engine
        var state = ConversationState(currency: "USD")
        _ = engine.handle(.text("baddi 2 falafel"), state: &state, now: ConversationEngineTests.lunch)
        let before = state
        let voice = engine.handle(.media(voice: true), state: &state, now: ConversationEngineTests.lunch)
        #expect(
            voice.replies.map(\.text) == ["Sorry, ma fina nesma3 voice notes ba3ed. Ekteb talabak aw kbos 3al menu."]
        )
        #expect(voice.replies.first?.choices.map(\.id.rawValue) == ["menu"])
        #expect(voice.effects.isEmpty && state == before)
        var french = ConversationState(currency: "USD")
        french.language = .french
        let picture = engine.handle(.media(voice: false), state: &french, now: ConversationEngineTests.lunch)
        #expect(picture.replies.first?.text.hasPrefix("Je ne lis que le texte") == true, "\(picture.replies)")
    }

    @Test func anAmbiguousItemIsAskedWithButtonsAndTheTapKeepsTheQuantity() {
        let engine = ConversationEngineTests.engine
        var state = ConversationEngineTests.start()
        let asked = engine.handle(.text("I want 2 shawarma"), state: &state, now: ConversationEngineTests.lunch)
        #expect(asked.replies.last?.choices.map(\.id.rawValue) == ["item:chicken-shawarma", "item:meat-shawarma"])
        _ = engine.handle(.choice("item:meat-shawarma"), state: &state, now: ConversationEngineTests.lunch)
        #expect(state.cart.lines.map { "\($0.quantity) \($0.itemKey)" } == ["2 meat-shawarma"])
    }

    @Test func aConfirmationWhileClosedBecomesAScheduledOrderAndAFarAddressIsRefused() throws {
        let engine = ConversationEngineTests.engine
        var state = ConversationEngineTests.start()
        let early = OpeningScheduleTests.beirut("2026-11-26 08:00")
        _ = engine.handle(.text("2 falafel, takeaway"), state: &state, now: early)
        #expect(state.awaiting == .confirmation)
        let confirmed = engine.handle(.text("yes"), state: &state, now: early)
        guard case .placeOrder(let order) = confirmed.effects.first, order.deliveryType == .takeaway else {
            throw TestFailure("no order: \(confirmed)")
        }
        #expect(order.scheduledFor == OpeningScheduleTests.beirut("2026-11-26 11:00"))

        var far = ConversationEngineTests.start()
        _ = engine.handle(
            .text("je voudrais deux taouk, livraison svp"),
            state: &far,
            now: ConversationEngineTests.lunch
        )
        #expect(far.language == .french && far.awaiting == .location)
        let refused = engine.handle(
            .location(latitude: 34.0, longitude: 35.65),
            state: &far,
            now: ConversationEngineTests.lunch
        )
        #expect(refused.replies.first?.text.hasPrefix("Désolé") == true, "\(refused.replies)")
        #expect(far.deliveryType == nil && refused.effects.isEmpty)
    }

    @Test func repliesFollowTheCustomersLanguageAndPricesComeFromTheCatalog() throws {
        let engine = ConversationEngineTests.engine
        var state = ConversationEngineTests.start()
        let arabic = engine.handle(.text("قديش الحمص؟"), state: &state, now: ConversationEngineTests.lunch)
        let hummus = try #require(OrderParserTests.tenant.menus.flatMap(\.items).first { $0.key == "hummus" })
        #expect(state.language == .arabic)
        #expect(
            arabic.replies.first?.text.contains(Money(hummus.price, "USD").description) == true,
            "\(arabic.replies)"
        )
        let french = engine.handle(.text("vous êtes ouverts ?"), state: &state, now: ConversationEngineTests.lunch)
        #expect(
            french.replies.first?.text.hasPrefix("Nous sommes ouverts. Horaires d'aujourd'hui : 11:00–23:30") == true,
            "\(french.replies)"
        )
        let person = engine.handle(.text("talk to a person please"), state: &state, now: ConversationEngineTests.lunch)
        #expect(person.effects == [.handOff])
    }
}
