import Foundation

/// What the customer sent, as the engine reads it.
public enum CustomerInput: Sendable, Equatable {
    case text(String)
    /// A tapped button or list row, by the id the engine gave it.
    case choice(String)
    case location(latitude: Double, longitude: Double)
}

/// A reply, neutral of WhatsApp's shapes: a text, and the choices to offer (buttons or a list).
public struct EngineReply: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public let id: String
        public let title: String
    }

    public let text: String
    public let choices: [Choice]

    init(_ text: String, choices: [Choice] = []) {
        self.text = text
        self.choices = choices
    }
}

/// What the conversation asks the runtime to do besides replying.
public enum EngineEffect: Sendable, Equatable {
    /// The customer confirmed: place this order (the runtime gives it the confirmation key).
    case placeOrder(
        cart: Cart,
        deliveryType: DeliveryType,
        deliveryFee: Decimal,
        scheduledFor: Date?,
        language: Language
    )
    /// The customer asked for a person.
    case handOff
}

/// A conversation's memory between messages; stored by the runtime, survives restarts.
public struct ConversationState: Sendable, Codable, Equatable {
    public enum Awaiting: Sendable, Codable, Equatable {
        case whichItem(quantity: Int)
        case deliveryType
        case location
        case confirmation
    }

    public var language: Language?
    public var cart: Cart
    public var deliveryType: DeliveryType?
    public var deliveryFee: Decimal = 0
    public var awaiting: Awaiting?

    public init(currency: String) { cart = Cart(currency: currency) }
}

/// The conversation, grounded in one tenant's catalog: it reads each message (language, intent,
/// items), keeps the cart, checks hours, delivery rules and minimums, and answers from the
/// phrasebook. Every item, option and price it says comes from the catalog.
public struct ConversationEngine: Sendable {
    public let tenant: TenantConfig
    public let branch: BranchConfig?
    public let phrasebook: Phrasebook
    let parser: OrderParser
    let detector: LanguageDetector
    let items: [String: ItemConfig]
    let schedule: OpeningSchedule?

    public init(tenant: TenantConfig, branch: BranchConfig?, phrasebook: Phrasebook = .shipped) {
        self.tenant = tenant
        self.branch = branch
        self.phrasebook = phrasebook
        parser = OrderParser(menus: tenant.menus)
        let all = tenant.menus.flatMap(\.items)
        items = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let names = all.flatMap { [$0.name] + $0.aliases + $0.translations.values }
        detector = LanguageDetector(
            sharedWords: Set(names.flatMap { TextNormalizer.words(TextNormalizer.normalize($0)).map(String.init) })
        )
        schedule = OpeningSchedule(business: tenant.business, branch: branch)
    }

    public func handle(
        _ input: CustomerInput,
        state: inout ConversationState,
        now: Date
    ) -> (
        replies: [EngineReply], effects: [EngineEffect]
    ) {
        var turn = Turn(engine: self, now: now)
        switch input {
        case .text(let text):
            let detection = detector.detect(
                text,
                previous: state.language,
                fallback: tenant.business.defaultLanguage ?? .english
            )
            state.language = detection.language
            turn.language = detection.language
            turn.read(text, &state)
        case .choice(let id):
            turn.language = state.language ?? tenant.business.defaultLanguage ?? .english
            turn.choose(id, &state)
        case .location(let latitude, let longitude):
            turn.language = state.language ?? tenant.business.defaultLanguage ?? .english
            turn.located(latitude, longitude, &state)
        }
        return (turn.replies, turn.effects)
    }

    func money(_ amount: Decimal) -> String { Money(amount, tenant.business.currency).description }

    func say(_ key: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        phrasebook.text(key, in: language, values.merging(["business": tenant.business.name]) { first, _ in first })
    }

    func displayName(_ item: ItemConfig, _ language: Language) -> String {
        item.translations[language] ?? item.name
    }

    var allowedTypes: [DeliveryType] {
        let settings = tenant.business.settings
        return [
            settings.allowDelivery ? DeliveryType.delivery : nil, settings.allowTakeaway ? .takeaway : nil,
            settings.allowOnSite ? .onSite : nil,
        ].compactMap { $0 }
    }
}

/// One message's work: the replies and effects it builds up.
private struct Turn {
    let engine: ConversationEngine
    let now: Date
    var language: Language = .english
    var replies: [EngineReply] = []
    var effects: [EngineEffect] = []

    init(engine: ConversationEngine, now: Date) {
        self.engine = engine
        self.now = now
    }

    mutating func say(_ key: String, _ values: [String: String] = [:], choices: [EngineReply.Choice] = []) {
        replies.append(EngineReply(engine.say(key, language, values), choices: choices))
    }

    mutating func read(_ text: String, _ state: inout ConversationState) {
        let parsed = engine.parser.parse(text)
        let intents = IntentClassifier.classify(text, namesItems: !parsed.lines.isEmpty || !parsed.ambiguous.isEmpty)
        let intent = intents[0]
        switch intent {
        case .human:
            say("talk_to_person")
            effects.append(.handOff)
        case .cancel:
            state = ConversationState(currency: state.cart.currency)
            state.language = language
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
        case .addItems, .removeItem:
            add(parsed, removing: intent == .removeItem, &state)
            // "…, delivery": the way to receive it, said in the same message.
            if let type = intents.lazy.compactMap(Turn.deliveryType).first, intent == .addItems,
                parsed.ambiguous.isEmpty
            {
                state.deliveryType = type
                checkout(&state)
            }
        case .showMenu: showMenu()
        case .showCart: showCart(state)
        case .delivery, .takeaway, .onSite:
            state.deliveryType = intent == .delivery ? .delivery : (intent == .takeaway ? .takeaway : .onSite)
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
        case .thanks: say("thanks")
        case .greeting: say("greeting", choices: [.init(id: "menu", title: engine.say("menu_button", language))])
        case .orderStatus, .policy, .unknown:
            say("not_understood", choices: [.init(id: "menu", title: engine.say("menu_button", language))])
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

    mutating func choose(_ id: String, _ state: inout ConversationState) {
        switch id {
        case "menu": showMenu()
        case "confirm": confirm(&state)
        case "change":
            state.awaiting = nil
            showCart(state)
        case "delivery", "takeaway", "on_site":
            state.deliveryType = DeliveryType(rawValue: id)
            checkout(&state)
        default:
            guard id.hasPrefix("item:"), let item = engine.items[String(id.dropFirst(5))] else {
                say("not_understood")
                return
            }
            var quantity = 1
            if case .whichItem(let wanted) = state.awaiting { quantity = wanted }
            state.awaiting = nil
            var result = OrderParser.Result()
            result.lines = [Cart.Line(itemKey: item.key, name: item.name, unitPrice: item.price, quantity: quantity)]
            add(result, removing: false, &state)
        }
    }

    mutating func located(_ latitude: Double, _ longitude: Double, _ state: inout ConversationState) {
        guard let branch = engine.branch, let lat = branch.location?.latitude, let lon = branch.location?.longitude
        else {
            checkout(&state)
            return
        }
        let distance = DeliveryQuote.distanceKm(
            from: (NSDecimalNumber(decimal: lat).doubleValue, NSDecimalNumber(decimal: lon).doubleValue),
            to: (latitude, longitude)
        )
        let quote = DeliveryQuote.make(
            subtotal: state.cart.subtotal,
            distanceKm: distance,
            rules: branch.deliveryFeeRules,
            radiusKm: branch.serviceRadiusKm,
            minimumOrder: branch.minOrderValue
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
            say("item_added", ["quantity": "\(line.quantity)", "item": name, "price": engine.money(line.total)])
        }
        if removing { showCart(state) }
        for key in parsed.unavailable {
            guard let item = engine.items[key] else { continue }
            let menu = engine.tenant.menus.first { $0.items.contains { $0.key == key } }
            let alternatives = (menu?.items ?? []).filter { $0.availability == .available && $0.key != key }.prefix(3)
                .map { engine.displayName($0, language) }
            say(
                "item_unavailable",
                ["item": engine.displayName(item, language), "alternatives": alternatives.joined(separator: ", ")]
            )
        }
        if let ambiguous = parsed.ambiguous.first { ask(ambiguous.keys, quantity: ambiguous.quantity, &state) }
    }

    mutating func ask(_ keys: [String], quantity: Int, _ state: inout ConversationState) {
        let choices = keys.compactMap { engine.items[$0] }.map {
            EngineReply.Choice(id: "item:\($0.key)", title: engine.displayName($0, language))
        }
        guard !choices.isEmpty else {
            say("not_understood")
            return
        }
        state.awaiting = .whichItem(quantity: quantity)
        say("ask_which_item", choices: choices)
    }

    mutating func showMenu() {
        let items = engine.tenant.menus.filter(\.active).flatMap(\.items).filter { $0.availability == .available }
        say(
            "menu_intro",
            choices: items.map { .init(id: "item:\($0.key)", title: engine.displayName($0, language)) }
        )
    }

    mutating func showCart(_ state: ConversationState) {
        guard !state.cart.isEmpty else {
            say("cart_empty")
            return
        }
        say("cart_summary", ["lines": summaryLines(state), "subtotal": state.cart.subtotal.description])
    }

    func summaryLines(_ state: ConversationState) -> String {
        state.cart.lines.map { line in
            let name = engine.items[line.itemKey].map { engine.displayName($0, language) } ?? line.name
            let options = line.options.map(\.name).joined(separator: ", ")
            return "\(line.quantity) × \(name)\(options.isEmpty ? "" : " (\(options))") — \(engine.money(line.total))"
        }.joined(separator: "\n")
    }

    mutating func checkout(_ state: inout ConversationState) {
        guard !state.cart.isEmpty else {
            say("cart_empty")
            return
        }
        guard let type = state.deliveryType, engine.allowedTypes.contains(type) else {
            state.awaiting = .deliveryType
            let titles: [DeliveryType: String] = [.delivery: "delivery", .takeaway: "takeaway", .onSite: "on_site"]
            say(
                "ask_delivery_type",
                choices: engine.allowedTypes.map {
                    .init(id: $0.rawValue, title: engine.say(titles[$0] ?? "", language))
                }
            )
            return
        }
        if type == .delivery, state.awaiting != .confirmation, engine.branch?.location?.latitude != nil {
            state.awaiting = .location
            say("ask_location")
            return
        }
        confirmPrompt(&state)
    }

    mutating func confirmPrompt(_ state: inout ConversationState) {
        state.awaiting = .confirmation
        let summary = engine.say(
            "cart_summary",
            language,
            ["lines": summaryLines(state), "subtotal": state.cart.subtotal.description]
        )
        say(
            "confirm_prompt",
            [
                "summary": summary, "delivery_fee": engine.money(state.deliveryFee),
                "total": engine.money(state.cart.subtotal.amount + state.deliveryFee),
            ],
            choices: [
                .init(id: "confirm", title: engine.say("confirm_button", language)),
                .init(id: "change", title: engine.say("change_button", language)),
            ]
        )
    }

    mutating func confirm(_ state: inout ConversationState) {
        guard state.awaiting == .confirmation, let type = state.deliveryType, !state.cart.isEmpty else {
            checkout(&state)
            return
        }
        var scheduled: Date?
        if let schedule = engine.schedule, !schedule.isOpen(at: now) {
            guard engine.tenant.business.settings.allowScheduledOrders, let opening = schedule.nextOpening(after: now)
            else {
                say("closed_now", ["opening": opening(schedule)])
                return
            }
            scheduled = opening
        }
        effects.append(
            .placeOrder(
                cart: state.cart,
                deliveryType: type,
                deliveryFee: state.deliveryFee,
                scheduledFor: scheduled,
                language: language
            )
        )
        state = ConversationState(currency: state.cart.currency)
        state.language = language
    }

    func opening(_ schedule: OpeningSchedule) -> String {
        guard let next = schedule.nextOpening(after: now) else { return "" }
        let formatter = DateFormatter()
        formatter.timeZone = schedule.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE HH:mm"
        return formatter.string(from: next)
    }

    mutating func hours() {
        guard let schedule = engine.schedule else {
            say("not_understood")
            return
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = schedule.timeZone
        let today = calendar.dateComponents([.year, .month, .day, .weekday], from: now)
        guard case .open(let intervals) = schedule.hours(on: today) else {
            say("closed_now", ["opening": opening(schedule)])
            return
        }
        say("hours", ["hours": intervals.map { "\($0.open)–\($0.close)" }.joined(separator: ", ")])
    }
}
