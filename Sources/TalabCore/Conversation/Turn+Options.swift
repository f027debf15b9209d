import Foundation

/// Required option groups: asked with their choices, answered by tap or by name.
extension Turn {
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
}
