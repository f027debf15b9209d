public import Foundation

/// When a business's conversations ask a language model (`settings.llm` in `business.yaml`): never,
/// only when the engine's own reading is not sure, or for every message with the engine's reading
/// as a hint. The model never speaks to the customer: it proposes actions, the engine checks them
/// against the catalog and answers in its own words, with its own prices.
public enum ModelMode: String, Sendable, Hashable, CaseIterable, Codable {
    case off, fallback, always
}

/// What a language model proposes for one message (its tool calls), before the engine checks it.
public enum ModelAction: Sendable, Equatable {
    /// A line to add: an item of the catalog by key, how many, its choices as `group/choice`.
    public struct Line: Sendable, Equatable {
        public let itemKey: String
        public let quantity: Int
        public let optionKeys: [String]

        public init(itemKey: String, quantity: Int, optionKeys: [String] = []) {
            self.itemKey = itemKey
            self.quantity = quantity
            self.optionKeys = optionKeys
        }
    }

    /// What a question is about; the engine writes the answer from the catalog.
    public enum Topic: String, Sendable, CaseIterable {
        case hours, policies, delivery, refund, cancellation, menu, availability
    }

    case addItems([Line])
    case removeItem(itemKey: String)
    case setDeliveryType(DeliveryType)
    /// Ask the customer which of these items they mean (the engine asks, with its own words).
    case askClarification(candidates: [String])
    case answerQuestion(Topic, itemKey: String?)
    case handOff
}

/// The grounded context a model reads for one message, built by the engine from the catalog and
/// the conversation: no price (the engine renders every amount), only the items that concern the
/// message (and the cart's), capped at `ModelContext.itemLimit`. Encoded as JSON with snake_case keys.
public struct ModelContext: Sendable, Codable, Equatable {
    public struct Choice: Sendable, Codable, Equatable {
        public let key: String
        public let names: [String]
    }

    public struct Group: Sendable, Codable, Equatable {
        public let key: String
        public let name: String
        public let min: Int
        public let max: Int?
        public let choices: [Choice]
    }

    public struct Item: Sendable, Codable, Equatable {
        public let key: String
        public let names: [String]
        public let description: String?
        public let tags: [String]
        public let available: Bool
        public let groups: [Group]
    }

    public struct CartLine: Sendable, Codable, Equatable {
        public let itemKey: String
        public let quantity: Int
        public let options: [String]
    }

    public let business: String
    public let branch: String?
    /// The language the customer wrote in, as the engine read it.
    public let language: String
    /// The time at the business (`2026-12-06 20:15`), and today's opening hours there.
    public let localTime: String
    public let hoursToday: String
    public let deliveryTypes: [String]
    public let policies: [String]
    public let items: [Item]
    public let cart: [CartLine]
    /// The question the conversation last asked and waits an answer to (`which_item`, `option`…).
    public let awaiting: String?
    /// The last few turns before this message, oldest first: `customer: …` or `business: …`.
    public let recent: [String]
    /// In `always` mode: what the engine made of the message itself.
    public let engineReading: String?

    /// Items described at most: a few thousand characters, about 1,500 tokens with the rest.
    public static let itemLimit = 30
    /// Of a model's answer, the actions read and the lines added at most: past them, dropped (an
    /// order a person writes in one message is shorter; a model that floods is not followed).
    public static let actionLimit = 10
    public static let lineLimit = 20

    /// The context as the model reads it (snake_case JSON, keys sorted: the same message gives the
    /// same bytes).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension ConversationEngine {
    /// Whether the engine's own answer to a message shows it was not sure what the customer
    /// meant: it did not understand, or it asks which of several items.
    public static func unsure(_ replies: [EngineReply]) -> Bool {
        replies.contains { $0.phrase == "not_understood" || $0.phrase == "ask_which_item" }
    }

    /// The grounded context for `text` in this conversation: the items the message's words touch
    /// (and the cart's), then the featured and the rest of the menu up to `ModelContext.itemLimit`.
    public func modelContext(
        for text: String,
        state: ConversationState,
        now: Date,
        recent: [String] = [],
        engineReading: String? = nil
    ) -> ModelContext {
        var keys: [String] = []
        func include(_ key: String) { if !keys.contains(key), items[key] != nil { keys.append(key) } }
        for line in state.cart.lines { include(line.itemKey) }
        let parsed = parser.parse(text)
        for line in parsed.lines { include(line.itemKey) }
        for ambiguous in parsed.ambiguous { ambiguous.keys.forEach(include) }
        let all = menus.flatMap(\.items)
        for item in all where item.featured { include(item.key) }
        for item in all where keys.count < ModelContext.itemLimit { include(item.key) }
        let described = keys.prefix(ModelContext.itemLimit).compactMap { items[$0] }.map { item in
            ModelContext.Item(
                key: item.key,
                names: [item.name] + Language.allCases.compactMap { item.translations[$0] } + item.aliases,
                description: item.description,
                tags: item.tags,
                available: item.availability == .available,
                groups: item.options.map { group in
                    ModelContext.Group(
                        key: group.key,
                        name: group.name,
                        min: group.minChoices,
                        max: group.maxChoices,
                        choices: group.choices.filter { $0.availability == .available }.map { choice in
                            ModelContext.Choice(
                                key: choice.key,
                                names: [choice.name] + Language.allCases.compactMap { choice.translations[$0] }
                            )
                        }
                    )
                }
            )
        }
        let awaiting: String? =
            switch state.awaiting {
            case .whichItem: "which_item"
            case .option(let item, let group): "option \(item)/\(group)"
            case .slot(let item): "slot \(item)"
            case .deliveryType: "delivery_type"
            case .location: "location"
            case .confirmation: "confirmation"
            case nil: nil
            }
        var turn = Turn(engine: self, now: now, calendar: BookingCalendar())
        turn.hours()
        return ModelContext(
            business: tenant.business.name,
            branch: branch?.name,
            language: (state.language ?? tenant.business.defaultLanguage ?? .english).rawValue,
            localTime: localTime(now),
            hoursToday: turn.replies.first?.text ?? "",
            deliveryTypes: allowedTypes.map(\.rawValue),
            policies: policies.map { "\($0.type.rawValue): \($0.title.map { "\($0). " } ?? "")\($0.description)" },
            items: described,
            cart: state.cart.lines.map {
                ModelContext.CartLine(itemKey: $0.itemKey, quantity: $0.quantity, options: $0.options.map(\.key))
            },
            awaiting: awaiting,
            recent: recent,
            engineReading: engineReading
        )
    }

    private func localTime(_ now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = schedule?.timeZone ?? TimeZone(identifier: tenant.business.timezone) ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: now)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute))"
    }

    /// The model's actions for `text`, each checked against the catalog: an item that is not on
    /// this branch's menu or not available, a choice the item does not offer, more choices than a
    /// group allows, a quantity outside 1–99, a delivery type the business does not offer: dropped.
    /// What remains moves the conversation from `state` as the engine would, with the engine's
    /// replies and prices. Nil when nothing remains: the engine's own answer stands.
    public func handle(
        model actions: [ModelAction],
        text: String,
        state: inout ConversationState,
        now: Date,
        calendar: BookingCalendar = BookingCalendar()
    ) -> (replies: [EngineReply], effects: [EngineEffect], rejected: Int)? {
        var next = state
        var turn = Turn(engine: self, now: now, calendar: calendar)
        let fallback = tenant.business.defaultLanguage ?? .english
        next.language = detector.detect(text, previous: state.language, fallback: fallback).language
        turn.written = next.language ?? fallback
        var rejected = 0
        var accepted = 0
        var added = OrderParser.Result()
        var delivery: DeliveryType?
        rejected += max(actions.count - ModelContext.actionLimit, 0)
        for action in actions.prefix(ModelContext.actionLimit) {
            switch action {
            case .addItems(let lines):
                for line in lines {
                    if let checked = checked(line), added.lines.count < ModelContext.lineLimit {
                        added.lines.append(checked)
                        added.stated.append(true)
                    } else {
                        rejected += 1
                    }
                }
            case .removeItem(let key):
                guard next.cart.lines.contains(where: { $0.itemKey == key }) else {
                    rejected += 1
                    continue
                }
                next.cart.remove(itemKey: key)
                next.awaiting = nil
                turn.showCart(next)
                accepted += 1
            case .setDeliveryType(let type):
                guard allowedTypes.contains(type) else {
                    rejected += 1
                    continue
                }
                delivery = type
            case .askClarification(let candidates):
                let valid = Array(Set(candidates)).sorted().filter { items[$0]?.availability == .available }
                guard valid.count >= 2, valid.count <= 10 else {
                    rejected += 1
                    continue
                }
                turn.ask(valid, quantity: 1, &next)
                accepted += 1
            case .answerQuestion(let topic, let itemKey):
                guard answer(topic, itemKey: itemKey, &turn, &next) else {
                    rejected += 1
                    continue
                }
                accepted += 1
            case .handOff:
                turn.say("talk_to_person")
                turn.effects.append(.handOff)
                accepted += 1
            }
        }
        if !added.lines.isEmpty {
            next.awaiting = nil
            turn.add(added, removing: false, &next)
            accepted += added.lines.count
        }
        if let delivery {
            next.deliveryType = delivery
            accepted += 1
            if !next.cart.isEmpty, next.awaiting == nil || next.awaiting == .confirmation { turn.checkout(&next) }
        }
        guard accepted > 0 else { return nil }
        state = next
        return (turn.replies, turn.effects, rejected)
    }

    /// The line as the catalog prices it, or nil when the catalog does not back it.
    private func checked(_ line: ModelAction.Line) -> Cart.Line? {
        guard let item = items[line.itemKey], item.availability == .available, (1...99).contains(line.quantity)
        else { return nil }
        var options: [Cart.Option] = []
        for key in Set(line.optionKeys) {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let group = item.options.first(where: { $0.key == parts[0] }),
                let choice = group.choices.first(where: { $0.key == parts[1] && $0.availability == .available })
            else { return nil }
            options.append(Cart.Option(key: key, name: choice.name, priceDelta: choice.price))
        }
        for group in item.options {
            let picked = options.filter { $0.key.hasPrefix(group.key + "/") }.count
            if let maximum = group.maxChoices, picked > maximum { return nil }
        }
        // In the catalog's order, as the engine's own lines are.
        let order = item.options.flatMap { group in group.choices.map { "\(group.key)/\($0.key)" } }
        options.sort { (order.firstIndex(of: $0.key) ?? 0) < (order.firstIndex(of: $1.key) ?? 0) }
        return Cart.Line(
            itemKey: item.key,
            name: item.name,
            unitPrice: item.price,
            quantity: line.quantity,
            options: options
        )
    }

    /// Answers a question about `topic` from the catalog; false when it has nothing to say.
    private func answer(
        _ topic: ModelAction.Topic,
        itemKey: String?,
        _ turn: inout Turn,
        _ state: inout ConversationState
    ) -> Bool {
        switch topic {
        case .hours:
            guard schedule != nil else { return false }
            turn.hours()
        case .policies: turn.policies("")
        case .delivery, .refund, .cancellation: turn.policies(topic.rawValue)
        case .menu: turn.showMenu(named: nil)
        case .availability:
            guard let itemKey, let item = items[itemKey] else { return false }
            if item.availability == .available {
                turn.say("item_price", ["item": displayName(item, turn.language), "price": money(item.price)])
            } else {
                turn.unavailable([item.key])
            }
        }
        return true
    }
}
