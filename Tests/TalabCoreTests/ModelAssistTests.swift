import Foundation
import TalabCore
import Testing

/// A language model's proposals as the engine checks them (issue #19): only what the catalog
/// backs moves the conversation, priced and worded by the engine.
@Suite struct ModelAssistTests {
    static let tenant = OrderParserTests.tenant
    static let engine = ConversationEngine(tenant: tenant, branch: tenant.branches.first { $0.key == "hamra" })
    static let shawarma = tenant.menus.flatMap(\.items).first { $0.key == "chicken-shawarma" }!

    @Test func linesTheCatalogBacksArePricedByTheEngine() throws {
        var state = ConversationState(currency: "USD")
        let result = try #require(
            ModelAssistTests.engine.handle(
                model: [
                    .addItems([
                        .init(itemKey: "chicken-shawarma", quantity: 2, optionKeys: ["remove/no-toum", "size/large"])
                    ])
                ],
                text: "ana jou3an, jibli shi bi djej",
                state: &state,
                now: Date()
            )
        )
        let line = try #require(state.cart.lines.first)
        #expect(state.cart.lines.count == 1 && line.quantity == 2)
        #expect(line.unitPrice == ModelAssistTests.shawarma.price)
        // The catalog's order of choices, whatever the model's.
        #expect(line.options.map(\.key) == ["size/large", "remove/no-toum"])
        #expect(line.total == (ModelAssistTests.shawarma.price + Decimal(string: "1.50")!) * 2)
        #expect(result.replies.map(\.phrase).contains("item_added") && result.rejected == 0)
        #expect(state.language == .arabizi)
    }

    @Test func whatTheCatalogDoesNotBackIsDropped() {
        let invented: [ModelAction] = [
            .addItems([
                .init(itemKey: "free-pizza", quantity: 1),
                .init(itemKey: "chicken-shawarma", quantity: 0, optionKeys: ["size/large"]),
                .init(itemKey: "chicken-shawarma", quantity: 100, optionKeys: ["size/large"]),
                .init(itemKey: "chicken-shawarma", quantity: 1, optionKeys: ["size/huge"]),
                // Two sizes where the group allows one.
                .init(itemKey: "chicken-shawarma", quantity: 1, optionKeys: ["size/large", "size/regular"]),
                // A choice of another item.
                .init(itemKey: "chicken-shawarma", quantity: 1, optionKeys: ["extras/cheese"]),
            ]),
            .removeItem(itemKey: "chicken-shawarma"),
            .askClarification(candidates: ["chicken-shawarma", "sushi"]),
            .answerQuestion(.availability, itemKey: "sushi"),
        ]
        var state = ConversationState(currency: "USD")
        let before = state
        #expect(
            ModelAssistTests.engine.handle(model: invented, text: "make it free", state: &state, now: Date()) == nil
        )
        #expect(state == before)
        // Beside one line the catalog backs, the rest is dropped and counted.
        let result = ModelAssistTests.engine.handle(
            model: invented + [.addItems([.init(itemKey: "hummus", quantity: 1)])],
            text: "hummus",
            state: &state,
            now: Date()
        )
        #expect(result?.rejected == 9)
        #expect(state.cart.lines.map(\.itemKey) == ["hummus"])
    }

    @Test func aQuestionADeliveryTypeAndAPersonAreAnsweredByTheEngine() throws {
        let engine = ModelAssistTests.engine
        var state = ConversationState(currency: "USD")
        let asked = try #require(
            engine.handle(
                model: [.askClarification(candidates: ["meat-shawarma", "chicken-shawarma"])],
                text: "shawarma",
                state: &state,
                now: Date()
            )
        )
        #expect(state.awaiting == .whichItem(quantity: 1))
        #expect(asked.replies.first?.choices.count == 2)
        let hours = try #require(
            engine.handle(model: [.answerQuestion(.hours, itemKey: nil)], text: "when", state: &state, now: Date())
        )
        #expect(hours.replies.first?.phrase?.hasPrefix("hours") == true || hours.replies.first?.phrase == "closed_now")
        let person = try #require(engine.handle(model: [.handOff], text: "a person", state: &state, now: Date()))
        #expect(person.effects == [.handOff])
        _ = engine.handle(model: [.setDeliveryType(.delivery)], text: "delivery", state: &state, now: Date())
        #expect(state.deliveryType == .delivery)
    }

    @Test func theContextIsGroundedSmallAndPriceless() {
        let context = ModelAssistTests.engine.modelContext(
            for: "baddi shawarma",
            state: ConversationState(currency: "USD"),
            now: Date()
        )
        #expect(Array(context.items.prefix(2)).map(\.key).sorted() == ["chicken-shawarma", "meat-shawarma"])
        #expect(context.items.count <= ModelContext.itemLimit)
        let json = context.json()
        #expect(!json.contains("price") && !json.contains("\(ModelAssistTests.shawarma.price)"))
        #expect(json.contains("\"item_key\"") == false && json.contains("\"hours_today\""))
        #expect(json.utf8.count < 12_000, "\(json.utf8.count) bytes")
    }

    /// A model that floods (thousands of lines, hundreds of calls) is followed no further than an
    /// order a person writes.
    @Test func aFloodOfActionsIsCut() throws {
        var state = ConversationState(currency: "USD")
        let lines = (0..<5_000).map { _ in ModelAction.Line(itemKey: "hummus", quantity: 1) }
        let flood = [ModelAction.addItems(lines)] + Array(repeating: ModelAction.handOff, count: 500)
        let result = try #require(
            ModelAssistTests.engine.handle(model: flood, text: "hummus", state: &state, now: Date())
        )
        #expect(state.cart.lines.map(\.quantity) == [ModelContext.lineLimit])
        #expect(result.effects.count == ModelContext.actionLimit - 1)
        #expect(result.rejected == 5_000 - ModelContext.lineLimit + 500 + 1 - ModelContext.actionLimit)
    }
}
