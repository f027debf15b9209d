public import Foundation

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
            sharedWords: Set(names.flatMap { TextNormalizer.words(TextNormalizer.normalize($0)).map(String.init) }),
            arabicNames: all.flatMap {
                [$0.translations[.arabic]] + $0.options.flatMap(\.choices).map { $0.translations[.arabic] }
            }
            .compactMap { $0 },
            names: ConversationEngine.written(all)
        )
        schedule = OpeningSchedule(business: tenant.business, branch: branch)
    }

    /// Each name and translation of the items and their choices with the language it is written
    /// in: its translations say so; the name itself is English when no English translation stands
    /// beside it and it is written in Latin letters.
    static func written(_ items: [ItemConfig]) -> [(text: String, language: Language)] {
        func written(_ name: String, _ translations: [Language: String]) -> [(text: String, language: Language)] {
            let latin = !name.unicodeScalars.contains(where: TextNormalizer.isArabic)
            return (latin && translations[.english] == nil ? [(name, .english)] : [])
                + translations.filter { $0.key != .arabic }.map { ($0.value, $0.key) }
        }
        return items.flatMap { item in
            written(item.name, item.translations)
                + item.options.flatMap(\.choices).flatMap { written($0.name, $0.translations) }
        }
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

    /// A line of an order placed before: the item, how many, the choices (`group/choice`).
    public struct PreviousLine: Sendable, Equatable {
        public let itemKey: String
        public let quantity: Int
        public let options: [String]

        public init(itemKey: String, quantity: Int, options: [String]) {
            self.itemKey = itemKey
            self.quantity = quantity
            self.options = options
        }
    }

    /// "the same again": the lines of the customer's last order go into the cart again, priced from
    /// the catalog as it is now; an item no longer available is said so, a choice no longer offered
    /// is left out; with no order before, the customer is told.
    public func repeatOrder(_ previous: [PreviousLine], state: inout ConversationState, now: Date) -> [EngineReply] {
        var turn = Turn(engine: self, now: now, calendar: BookingCalendar())
        turn.written = state.language ?? tenant.business.defaultLanguage ?? .english
        guard !previous.isEmpty else {
            turn.say("no_previous_order", choices: [turn.menuChoice])
            return turn.replies
        }
        var result = OrderParser.Result()
        for line in previous {
            guard let item = items[line.itemKey] else { continue }
            guard item.availability == .available else {
                result.unavailable.append(item.key)
                continue
            }
            let options = item.options.flatMap { group in
                group.choices.filter { choice in
                    choice.availability == .available && line.options.contains("\(group.key)/\(choice.key)")
                }.map { Cart.Option(key: "\(group.key)/\($0.key)", name: $0.name, priceDelta: $0.price) }
            }
            result.lines.append(
                Cart.Line(
                    itemKey: item.key,
                    name: item.name,
                    unitPrice: item.price,
                    quantity: line.quantity,
                    options: options
                )
            )
        }
        turn.add(result, removing: false, &state)
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
