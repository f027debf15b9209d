import Foundation

/// The conversation, grounded in one tenant's catalog: it reads each message (language, intent,
/// items, times), keeps the cart, checks hours, delivery rules, minimums and free slots, and answers
/// from the phrasebook. Every item, option, price and time it says comes from the catalog.
public struct ConversationEngine: Sendable {
    public let tenant: TenantConfig
    public let branch: BranchConfig?
    public let phrasebook: Phrasebook
    /// The active menus this branch serves.
    let menus: [MenuConfig]
    let parser: OrderParser
    let detector: LanguageDetector
    let items: [String: ItemConfig]
    let schedule: OpeningSchedule?

    public init(tenant: TenantConfig, branch: BranchConfig?, phrasebook: Phrasebook = .shipped) {
        self.tenant = tenant
        self.branch = branch
        self.phrasebook = phrasebook
        let menus = tenant.menus.filter { menu in
            menu.active && (branch.map { $0.menus.isEmpty || $0.menus.contains(menu.key) || menu.shared } ?? true)
        }
        self.menus = menus
        parser = OrderParser(menus: menus)
        let all = menus.flatMap(\.items)
        items = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let names = all.flatMap { [$0.name] + $0.aliases + $0.translations.values }
        detector = LanguageDetector(
            sharedWords: Set(names.flatMap { TextNormalizer.words(TextNormalizer.normalize($0)).map(String.init) })
        )
        schedule = OpeningSchedule(business: tenant.business, branch: branch)
    }

    /// Reads one input and moves the conversation; `calendar` holds the bookings already taken (for
    /// a business with bookable services).
    public func handle(
        _ input: CustomerInput,
        state: inout ConversationState,
        now: Date,
        calendar: BookingCalendar = BookingCalendar()
    ) -> (replies: [EngineReply], effects: [EngineEffect]) {
        var turn = Turn(engine: self, now: now, calendar: calendar)
        let fallback = tenant.business.defaultLanguage ?? .english
        switch input {
        case .text(let text):
            var detection = detector.detect(text, previous: state.language, fallback: fallback)
            // An answer naming one of the choices asked ("large" after Arabizi) keeps the language.
            if case .option(let item, let group) = state.awaiting, let previous = state.language,
                answers(text, item: item, group: group)
            {
                detection = LanguageDetector.Detection(language: previous, confidence: 1, scores: detection.scores)
            }
            state.language = detection.language
            turn.written = detection.language
            turn.read(text, &state)
        case .choice(let id):
            turn.written = state.language ?? fallback
            turn.choose(id, &state)
        case .location(let latitude, let longitude):
            turn.written = state.language ?? fallback
            turn.located(latitude, longitude, &state)
        case .media(let voice):
            // The conversation stays where it was; the customer is asked to write instead.
            turn.written = state.language ?? fallback
            turn.say(voice ? "voice_note" : "media_unreadable", choices: [turn.menuChoice])
        }
        return (turn.replies, turn.effects)
    }

    /// The booking `request` asked for was refused when it was placed (someone took the last place
    /// since the times were offered): the conversation goes back to `before` the confirmation, says
    /// so, and offers the times still free that day, nearest first.
    public func bookingRefused(
        _ request: OrderRequest,
        before: ConversationState,
        state: inout ConversationState,
        now: Date,
        calendar: BookingCalendar
    ) -> [EngineReply] {
        state = before
        guard let booking = request.bookings.first else { return [] }
        var turn = Turn(engine: self, now: now, calendar: calendar)
        turn.written = request.language
        turn.say("slot_just_taken", ["time": turn.when(booking.start)])
        turn.offerSlots(booking.itemKey, around: booking.start, page: 0, &state)
        return turn.replies
    }

    /// The language replies are written in: the customer's, except that a business may answer
    /// Arabizi in Arabic script.
    public func replyLanguage(_ written: Language) -> Language {
        written == .arabizi && tenant.business.settings.arabiziReplies == .arabic ? .arabic : written
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

    /// Whether the text names a choice of the item's option group.
    func answers(_ text: String, item: String, group: String) -> Bool {
        optionChoice(named: text, item: item, group: group) != nil
    }

    /// The key of the choice of the item's option group that the text names, by any of its names.
    func optionChoice(named text: String, item: String, group: String) -> String? {
        guard let config = items[item]?.options.first(where: { $0.key == group }) else { return nil }
        return ItemMatcher(
            entries: config.choices.map {
                ItemMatcher.Entry(key: $0.key, names: [$0.name] + $0.translations.values + $0.aliases)
            },
            skipsWithout: false
        ).mentions(in: text).lazy.compactMap(\.key).first
    }

    /// Whether any service of the menu is booked for a time (has a duration).
    public var hasBookableServices: Bool { items.values.contains { $0.durationMinutes != nil } }

    /// A moment as the conversation says it, in the business's zone and the customer's language:
    /// `Sat 28 Nov 20:00`, `sam 28 nov 20:00`, `السبت 28/11 20:00` (short enough for a list row).
    public func describe(_ date: Date, in language: Language = .english) -> String {
        // By hand: a DateFormatter costs more to create than the rest of a message's work.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = schedule?.timeZone ?? TimeZone(identifier: tenant.business.timezone) ?? .current
        let parts = calendar.dateComponents([.weekday, .day, .month, .hour, .minute], from: date)
        let weekdays = phrasebook.text("weekdays", in: language).split(separator: ",").map(String.init)
        let months = phrasebook.text("months", in: language).split(separator: ",").map(String.init)
        guard weekdays.count == 7, months.count == 12 else { return date.formatted(.iso8601) }
        return phrasebook.text(
            "date_format",
            in: language,
            [
                "weekday": weekdays[((parts.weekday ?? 1) - 1) % 7], "day": String(parts.day ?? 1),
                "month": months[((parts.month ?? 1) - 1) % 12],
                "time": TimeOfDay(hour: parts.hour ?? 0, minute: parts.minute ?? 0)?.description ?? "",
            ]
        )
    }

    /// The business's and the branch's policies.
    var policies: [PolicyConfig] { tenant.business.policies + (branch?.policies ?? []) }
}

/// One message's work: the replies and effects it builds up (its times and bookings are in
/// `Turn+Bookings.swift`).
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
        list: ChoiceID.PagedList = .menu(nil)
    ) {
        replies.append(EngineReply(engine.say(key, language, values), choices: choices, page: page, list: list))
    }

    var menuChoice: EngineReply.Choice { .init(id: .menu, title: engine.say("menu_button", language)) }

    mutating func read(_ text: String, _ state: inout ConversationState) {
        if let name = CustomerName.said(in: text) { state.customerName = name }
        let parsed = engine.parser.parse(text)
        let intents = IntentClassifier.classify(text, namesItems: parsed.namesItems)
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
                ["item": engine.displayName(item, language), "alternatives": alternatives.joined(separator: ", ")]
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

    // MARK: Options

    /// Asks the first required option group a cart line leaves empty; false when none is missing.
    @discardableResult
    mutating func askMissingOption(_ state: inout ConversationState) -> Bool {
        for line in state.cart.lines {
            guard let item = engine.items[line.itemKey] else { continue }
            for group in item.options {
                let picked = line.options.filter { $0.key.hasPrefix(group.key + "/") }.count
                guard picked < group.minChoices else { continue }
                state.awaiting = .option(item: item.key, group: group.key)
                say(
                    "ask_option",
                    ["group": group.translations[language] ?? group.name, "item": engine.displayName(item, language)],
                    choices: group.choices.filter { $0.availability == .available }.map {
                        let name = $0.translations[language] ?? $0.name
                        return .init(
                            id: .option(item: item.key, group: group.key, choice: $0.key),
                            title: $0.price > 0 ? "\(name) +\(engine.money($0.price))" : name
                        )
                    }
                )
                return true
            }
        }
        return false
    }

    /// A typed answer to an option question: a choice of the group asked, by any of its names.
    mutating func answerOption(_ text: String, item: String, group: String, _ state: inout ConversationState) -> Bool {
        guard let key = engine.optionChoice(named: text, item: item, group: group) else { return false }
        chooseOption(item: item, group: group, choice: key, &state)
        return true
    }

    mutating func chooseOption(item: String, group groupKey: String, choice: String, _ state: inout ConversationState) {
        guard let config = engine.items[item], let group = config.options.first(where: { $0.key == groupKey }),
            let picked = group.choices.first(where: { $0.key == choice && $0.availability == .available })
        else { return say("not_understood") }
        let option = Cart.Option(key: "\(groupKey)/\(choice)", name: picked.name, priceDelta: picked.price)
        guard state.cart.choose(option, group: group.key, maximum: group.maxChoices, for: item) else {
            return say("not_understood")
        }
        state.awaiting = nil
        say(
            "option_added",
            ["option": picked.translations[language] ?? picked.name, "item": engine.displayName(config, language)]
        )
        if askMissingOption(&state) { return }
        if let bookable = bookableLine(state), state.scheduledFor == nil {
            book(bookable, at: nil, &state)
        } else if state.deliveryType != nil {
            checkout(&state)
        }
    }

    // MARK: Menu, cart, checkout

    /// The menu: with several (a main menu, breakfast), the one the message names, else the list
    /// of menus to pick from; then its available items, paged.
    mutating func showMenu(named text: String?) {
        let menus = engine.menus.filter { menu in menu.items.contains { $0.availability == .available } }
        guard menus.count > 1 else { return showMenu(nil, page: 0) }
        if let text {
            let words = Set(TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init))
            let named = menus.filter { menu in
                let name = TextNormalizer.words(TextNormalizer.normalize(menu.name)).map(String.init)
                    .filter { $0.count > 3 && !IntentClassifier.Phrases.menuWords.contains($0) }
                return !name.isEmpty && name.allSatisfy(words.contains)
            }
            if named.count == 1 { return showMenu(named[0], page: 0) }
        }
        say("choose_menu", choices: menus.map { .init(id: .page(.menu($0.key), 0), title: $0.name) })
    }

    /// One menu's available items (all menus' when nil), paged.
    mutating func showMenu(_ menu: MenuConfig?, page: Int) {
        let items = (menu.map { [$0] } ?? engine.menus).flatMap(\.items).filter { $0.availability == .available }
        say(
            "menu_intro",
            choices: items.map { .init(id: .item($0.key), title: engine.displayName($0, language)) },
            page: page,
            list: .menu(menu?.key)
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
            let options = line.options.map { engine.optionName($0, of: line.itemKey, language) }
                .joined(separator: ", ")
            return "\(line.quantity) × \(name)\(options.isEmpty ? "" : " (\(options))") — \(engine.money(line.total))"
        }.joined(separator: "\n")
    }

    mutating func checkout(_ state: inout ConversationState) {
        guard !state.cart.isEmpty else {
            say("cart_empty")
            return
        }
        if askMissingOption(&state) { return }
        if let bookable = bookableLine(state), state.scheduledFor == nil {
            book(bookable, at: nil, &state)
            return
        }
        guard let type = state.deliveryType, engine.allowedTypes.contains(type) else {
            state.awaiting = .deliveryType
            // The phrasebook's key for each type is its raw value.
            say(
                "ask_delivery_type",
                choices: engine.allowedTypes.map {
                    .init(id: .deliveryType($0), title: engine.say($0.rawValue, language))
                }
            )
            return
        }
        if type == .delivery, state.awaiting != .confirmation, state.address == nil {
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
        let buttons: [EngineReply.Choice] = [
            .init(id: .confirm, title: engine.say("confirm_button", language)),
            .init(id: .change, title: engine.say("change_button", language)),
        ]
        let total = engine.money(state.cart.subtotal.amount + state.deliveryFee)
        if bookableLine(state) != nil, let start = state.scheduledFor {
            say("booking_prompt", ["summary": summary, "time": when(start), "total": total], choices: buttons)
            return
        }
        var lines = summary
        if let time = state.scheduledFor {
            lines += "\n" + engine.say("scheduled_for", language, ["time": when(time)])
        } else if let schedule = engine.schedule, !schedule.isOpen(at: now),
            engine.tenant.business.settings.allowScheduledOrders
        {
            // Closed now: the order is prepared for the opening, and the customer is told before confirming.
            lines += "\n" + engine.say("closed_schedule", language, ["opening": opening(schedule)])
        }
        if state.deliveryType == .delivery {
            say(
                "confirm_prompt",
                ["summary": lines, "delivery_fee": engine.money(state.deliveryFee), "total": total],
                choices: buttons
            )
        } else {
            say("pickup_prompt", ["summary": lines, "total": total], choices: buttons)
        }
    }

    mutating func confirm(_ state: inout ConversationState) {
        guard state.awaiting == .confirmation, let type = state.deliveryType, !state.cart.isEmpty else {
            checkout(&state)
            return
        }
        var bookings: [BookingCalendar.Booking] = []
        if let key = bookableLine(state), let start = state.scheduledFor, let item = engine.items[key] {
            guard let slot = slots(for: item).first(where: { $0.start == start }),
                calendar.isFree(slot, capacity: item.capacity ?? 1)
            else {
                say("slot_taken", ["item": engine.displayName(item, language), "time": when(start)])
                offerSlots(key, around: start, page: 0, &state)
                return
            }
            bookings = state.cart.lines.filter { $0.itemKey == key }.map { line in
                BookingCalendar.Booking(itemKey: key, start: slot.start, end: slot.end, places: line.quantity)
            }
        }
        var scheduled = state.scheduledFor
        if bookings.isEmpty, scheduled == nil, let schedule = engine.schedule, !schedule.isOpen(at: now) {
            guard engine.tenant.business.settings.allowScheduledOrders, let opening = schedule.nextOpening(after: now)
            else {
                say("closed_now", ["opening": opening(schedule)])
                return
            }
            scheduled = opening
        }
        effects.append(
            .placeOrder(
                OrderRequest(
                    cart: state.cart,
                    deliveryType: type,
                    deliveryFee: state.deliveryFee,
                    scheduledFor: scheduled,
                    language: written,
                    address: type == .delivery ? state.address : nil,
                    customerName: state.customerName,
                    bookings: bookings
                )
            )
        )
        let name = state.customerName
        state = ConversationState(currency: state.cart.currency)
        state.language = written
        state.customerName = name
    }
}

extension ConversationEngine {
    func optionName(_ option: Cart.Option, of itemKey: String, _ language: Language) -> String {
        let parts = option.key.split(separator: "/").map(String.init)
        guard parts.count == 2,
            let choice = items[itemKey]?.options.first(where: { $0.key == parts[0] })?.choices.first(where: {
                $0.key == parts[1]
            })
        else { return option.name }
        return choice.translations[language] ?? choice.name
    }
}

/// The words that ask about one kind of policy.
struct PolicyTopic {
    let type: PolicyType
    let words: [String]

    static let all = [
        PolicyTopic(type: .delivery, words: ["delivery", "livraison", "tawsil", "توصيل", "ديليفري"]),
        PolicyTopic(type: .refund, words: ["refund", "rembourse", "remboursement", "return", "استرجاع", "rje3"]),
        PolicyTopic(type: .cancellation, words: ["cancel", "cancellation", "annulation", "annuler", "الغاء", "lghi"]),
    ]
}

/// A name the customer gives: "my name is Rami", "je m'appelle Rami", "ismi Rami", "اسمي رامي".
enum CustomerName {
    static let openers = ["my name is ", "je m'appelle ", "je m’appelle ", "ismi ", "esmi ", "2esmi ", "اسمي "]

    /// The first word after the opener, and the next one when it is capitalised (a family name).
    static func said(in text: String) -> String? {
        let lowered = text.lowercased()
        for opener in openers {
            guard let range = lowered.range(of: opener),
                range.lowerBound == lowered.startIndex || lowered[lowered.index(before: range.lowerBound)] == " "
            else { continue }
            let offset = lowered.distance(from: lowered.startIndex, to: range.upperBound)
            let words = text.dropFirst(offset).split { " ,.!\n".contains($0) }.prefix(2)
            guard let first = words.first, first.count <= 40, first.allSatisfy({ $0.isLetter || $0 == "-" }) else {
                return nil
            }
            if words.count == 2, let second = words.last, second.first?.isUppercase == true,
                second.allSatisfy({ $0.isLetter || $0 == "-" })
            {
                return "\(first) \(second)"
            }
            return String(first)
        }
        return nil
    }
}
