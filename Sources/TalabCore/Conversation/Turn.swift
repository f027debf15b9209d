import Foundation

/// One message's work: the replies and effects it builds up (its times and bookings are in
/// `Turn+Bookings.swift`, options in `Turn+Options.swift`, the menu and checkout in `Turn+Checkout.swift`).
struct Turn {
    let engine: ConversationEngine
    let now: Date
    let calendar: BookingCalendar
    /// The language the customer wrote in; replies use `language`.
    var written: Language = .english
    var replies: [EngineReply] = []
    var effects: [EngineEffect] = []

    var language: Language { engine.replyLanguage(written) }

    init(engine: ConversationEngine, now: Date, calendar: BookingCalendar) {
        self.engine = engine
        self.now = now
        self.calendar = calendar
    }

    mutating func say(
        _ key: String,
        _ values: [String: String] = [:],
        choices: [EngineReply.Choice] = [],
        page: Int = 0,
        list: ChoiceID.PagedList = .menu(nil),
        item: String? = nil
    ) {
        replies.append(
            EngineReply(
                engine.say(key, language, values),
                choices: choices,
                page: page,
                list: list,
                phrase: key,
                item: item ?? values["item"]
            )
        )
    }

    var menuChoice: EngineReply.Choice { .init(id: .menu, title: engine.say("menu_button", language)) }

    mutating func read(_ text: String, _ state: inout ConversationState) {
        if let name = CustomerName.said(in: text) { state.customerName = name }
        let parsed = engine.parser.parse(text)
        let intents = IntentClassifier.classify(text, parsed: parsed)
        let intent = intents[0]
        let requested = engine.schedule.flatMap { TimeExpression.resolve(text, now: now, timeZone: $0.timeZone) }
        // An answer to the question the conversation asked.
        switch state.awaiting {
        case .option(let item, let group) where parsed.lines.isEmpty && parsed.ambiguous.isEmpty:
            if answerOption(text, item: item, group: group, &state) { return }
        case .location where intent == .unknown && parsed.lines.isEmpty && requested == nil:
            typedAddress(text, &state)
            return
        case .slot(let item) where requested != nil && parsed.lines.isEmpty:
            book(item, at: requested, &state)
            return
        default: break
        }
        // A change to what the cart already holds, read against its lines first.
        if [.addItems, .removeItem, .unknown, .itemQuestion].contains(intent), editCart(text, intent: intent, &state) {
            return
        }
        switch intent {
        case .human:
            say("talk_to_person")
            effects.append(.handOff)
        case .cancel:
            state = ConversationState(currency: state.cart.currency)
            state.language = written
            say("cart_empty")
        case .itemQuestion:
            for line in parsed.lines {
                let name = engine.items[line.itemKey].map { engine.displayName($0, language) } ?? line.name
                say("item_price", ["item": name, "price": engine.money(line.unitPrice)])
            }
            if parsed.lines.isEmpty, let ambiguous = parsed.ambiguous.first {
                ask(ambiguous.keys, quantity: ambiguous.quantity, &state)
            } else if parsed.lines.isEmpty {
                say("not_understood")
            }
            unavailable(parsed.unavailable)
        case .addItems, .removeItem:
            if intent == .addItems, !parsed.unmatched.isEmpty { effects.append(.unmatched(parsed.unmatched)) }
            add(parsed, removing: intent == .removeItem, &state)
            // "…, delivery": the way to receive it, said in the same message.
            let type = intents.lazy.compactMap(Turn.deliveryType).first
            if intent == .addItems, let type { state.deliveryType = type }
            guard intent == .addItems, parsed.ambiguous.isEmpty,
                state.awaiting == nil || state.awaiting == .confirmation
            else { return }
            if let bookable = bookableLine(state) {
                book(bookable, at: requested, &state)
                return
            }
            if let requested { schedule(requested, &state) }
            if type != nil || (requested != nil && !state.cart.isEmpty) { checkout(&state) }
        case .menuQuestion: answerMenuQuestion(text, parsed)
        case .repeatOrder: effects.append(.repeatLastOrder)
        case .showMenu: showMenu(named: text)
        case .showCart: showCart(state)
        case .delivery, .takeaway, .onSite:
            state.deliveryType = Turn.deliveryType(intent)
            if let requested { schedule(requested, &state) }
            checkout(&state)
        case .confirm:
            if state.awaiting == .confirmation {
                confirm(&state)
            } else if !state.cart.isEmpty {
                checkout(&state)
            } else {
                say("cart_empty")
            }
        case .decline:
            state.awaiting = nil
            showCart(state)
        case .openingHours: hours()
        case .policy: policies(text)
        case .orderStatus: effects.append(.orderStatus(language))
        case .thanks: say("thanks")
        case .greeting: say("greeting", choices: [menuChoice])
        case .unknown:
            if let requested, !state.cart.isEmpty {
                if let bookable = bookableLine(state) {
                    book(bookable, at: requested, &state)
                } else {
                    schedule(requested, &state)
                    checkout(&state)
                }
            } else if !parsed.unavailable.isEmpty {
                unavailable(parsed.unavailable)
            } else {
                say("not_understood", choices: [menuChoice])
            }
        }
    }

    static func deliveryType(_ intent: Intent) -> DeliveryType? {
        switch intent {
        case .delivery: return .delivery
        case .takeaway: return .takeaway
        case .onSite: return .onSite
        default: return nil
        }
    }

    mutating func choose(_ raw: String, _ state: inout ConversationState) {
        guard let id = ChoiceID(rawValue: raw) else { return say("not_understood", choices: [menuChoice]) }
        switch id {
        case .menu: showMenu(named: nil)
        case .page(.menu(nil), let page): showMenu(nil, page: page)
        case .page(.menu(let key?), let page):
            showMenu(engine.menus.first { $0.key == key }, page: page)
        case .page(.slots, let page):
            guard case .slot(let item) = state.awaiting else { return say("not_understood") }
            offerSlots(item, around: nil, page: page, &state)
        case .confirm: confirm(&state)
        case .change:
            state.awaiting = nil
            showCart(state)
        case .deliveryType(let type):
            state.deliveryType = type
            checkout(&state)
        case .slot(let item, let start):
            book(item, at: Date(timeIntervalSince1970: TimeInterval(start)), &state)
        case .option(let item, let group, let choice):
            chooseOption(item: item, group: group, choice: choice, &state)
        case .item(let key):
            guard let item = engine.items[key], item.availability == .available else {
                unavailable([key])
                return
            }
            var quantity = 1
            if case .whichItem(let wanted) = state.awaiting { quantity = wanted }
            state.awaiting = nil
            var result = OrderParser.Result()
            result.lines = [Cart.Line(itemKey: item.key, name: item.name, unitPrice: item.price, quantity: quantity)]
            add(result, removing: false, &state)
            if state.awaiting == nil, let bookable = bookableLine(state) { book(bookable, at: nil, &state) }
        case .branch:
            // Branches are chosen by the runtime before a conversation has an engine.
            say("not_understood", choices: [menuChoice])
        }
    }

    mutating func located(_ latitude: Double, _ longitude: Double, _ state: inout ConversationState) {
        state.address = DeliveryAddress(text: state.address?.text, latitude: latitude, longitude: longitude)
        guard let branch = engine.branch, let lat = branch.location?.latitude, let lon = branch.location?.longitude
        else {
            checkout(&state)
            return
        }
        let distance = DeliveryQuote.distanceKm(
            from: (NSDecimalNumber(decimal: lat).doubleValue, NSDecimalNumber(decimal: lon).doubleValue),
            to: (latitude, longitude)
        )
        quote(distance: distance, &state)
    }

    /// A typed address: no distance to price, so the branch's first fee band applies, and the
    /// minimum order still holds.
    mutating func typedAddress(_ text: String, _ state: inout ConversationState) {
        state.address = DeliveryAddress(text: String(text.prefix(500)))
        say("address_noted", ["address": state.address?.text ?? ""])
        quote(distance: nil, &state)
    }

    mutating func quote(distance: Decimal?, _ state: inout ConversationState) {
        let rules = engine.branch?.deliveryFeeRules ?? []
        let quote = DeliveryQuote.make(
            subtotal: state.cart.subtotal,
            distanceKm: distance ?? rules.map(\.upToKm).min(),
            rules: rules,
            radiusKm: distance == nil ? nil : engine.branch?.serviceRadiusKm,
            minimumOrder: engine.branch?.minOrderValue
        )
        for refusal in quote.refusals {
            switch refusal {
            case .outsideRadius(let km, let radius):
                say("outside_radius", ["distance": "\(km)", "radius": "\(radius)"])
                state.deliveryType = nil
                state.awaiting = nil
                return
            case .belowMinimum(let minimum):
                say("below_minimum", ["minimum": minimum.description])
                state.awaiting = nil
                return
            }
        }
        state.deliveryFee = quote.fee.amount
        state.awaiting = nil
        confirmPrompt(&state)
    }

    mutating func add(_ parsed: OrderParser.Result, removing: Bool, _ state: inout ConversationState) {
        for line in parsed.lines {
            if removing {
                state.cart.remove(itemKey: line.itemKey)
                continue
            }
            state.cart.add(line)
            let name = engine.items[line.itemKey].map { engine.displayName($0, language) } ?? line.name
            let options = line.options.map { engine.optionName($0, of: line.itemKey, language) }
            say(
                "item_added",
                [
                    "quantity": "\(line.quantity)",
                    "item": options.isEmpty ? name : "\(name) (\(options.joined(separator: ", ")))",
                    "price": engine.money(line.total),
                ]
            )
        }
        if removing {
            state.awaiting = nil
            showCart(state)
        }
        unavailable(parsed.unavailable)
        if let ambiguous = parsed.ambiguous.first {
            ask(ambiguous.keys, quantity: ambiguous.quantity, &state)
        } else if !removing {
            askMissingOption(&state)
        }
    }

    mutating func unavailable(_ keys: [String]) {
        for key in keys {
            guard let item = engine.tenant.menus.lazy.flatMap(\.items).first(where: { $0.key == key }) else { continue }
            let menu = engine.tenant.menus.first { $0.items.contains { $0.key == key } }
            let alternatives = (menu?.items ?? []).filter { $0.availability == .available && $0.key != key }.prefix(3)
                .map { engine.displayName($0, language) }
            say(
                "item_unavailable",
                ["item": engine.displayName(item, language), "alternatives": alternatives.joined(separator: ", ")],
                item: item.name
            )
        }
    }

    mutating func ask(_ keys: [String], quantity: Int, _ state: inout ConversationState) {
        let choices = keys.compactMap { engine.items[$0] }.map {
            EngineReply.Choice(id: .item($0.key), title: engine.displayName($0, language))
        }
        guard !choices.isEmpty else {
            say("not_understood")
            return
        }
        state.awaiting = .whichItem(quantity: quantity)
        say("ask_which_item", choices: choices)
    }
}
