import Foundation

/// Messages that change what is already in the cart (issue #18): read against the cart's lines
/// first, then the menu. "remove one shawarma" with one chicken shawarma in the cart removes it;
/// "make the hummus 3" and "make it 4" set a quantity; "make it 3 falafel instead" replaces the
/// only line; "no pickles on the shawarma" and "change it to regular" change a line's choices.
extension Turn {
    /// Words that set rather than add: "make it", "instead", "khalliya", "plutôt", "بدل".
    static let setWords = IntentClassifier.Phrases.normalized([
        "make it", "make them", "make that", "make the", "change it to", "change to", "change the", "instead",
        "instead of", "rather", "badal", "bedal", "badel", "5alliya", "khalliya", "khalliha", "khallih", "5alliha",
        "5allih", "khalli", "5alli", "khallihon", "خليها", "خليه", "خليهم", "خلي", "بدل", "بدال", "au lieu",
        "a la place", "plutot", "plutôt", "mettez", "mets", "faites", "changez",
    ])
    /// Words that point at a line of the cart: "on the shawarma", "3al shawarma", "sur le shawarma".
    static let lineWords = IntentClassifier.Phrases.normalized([
        "on the", "for the", "in the", "on it", "on them", "3al", "3a", "على", "عال", "عالـ", "sur le", "sur la",
        "sur les", "pour le", "pour la", "dans le", "dans la",
    ])

    /// Changes the cart when the message refers to its lines; false when it does not (then the
    /// message is read as usual).
    mutating func editCart(_ text: String, intent: Intent, _ state: inout ConversationState) -> Bool {
        guard !state.cart.isEmpty else { return false }
        let runs = IntentClassifier.runs(text)
        let setting = !Turn.setWords.isDisjoint(with: runs)
        let pointing = !Turn.lineWords.isDisjoint(with: runs)
        guard setting || pointing || intent == .removeItem else { return false }
        let inCart = Set(state.cart.lines.map(\.itemKey))
        let parsed = engine.parser.parse(text, prefer: inCart)
        guard parsed.ambiguous.isEmpty, parsed.unavailable.isEmpty else { return false }
        func index(of key: String) -> Int? { state.cart.lines.lastIndex { $0.itemKey == key } }

        if intent == .removeItem {
            guard !parsed.lines.isEmpty, parsed.lines.allSatisfy({ inCart.contains($0.itemKey) }) else { return false }
            for (line, stated) in zip(parsed.lines, parsed.stated) {
                guard let position = index(of: line.itemKey) else { continue }
                state.cart.update(at: position) { $0.quantity = stated ? $0.quantity - line.quantity : 0 }
            }
            state.awaiting = nil
            showCart(state)
            return true
        }
        if parsed.lines.isEmpty {
            // "make it 4", "change it to regular": the last line added.
            guard let position = state.cart.lines.indices.last else { return false }
            var changed = false
            if setting, let number = IntentClassifier.number(in: text) {
                state.cart.update(at: position) { $0.quantity = number }
                changed = true
            }
            changed = chooseNamed(text, for: position, &state) || changed
            guard changed else { return false }
            state.awaiting = nil
            showCart(state)
            askMissingOption(&state)
            return true
        }
        guard parsed.lines.count == 1, let line = parsed.lines.first else { return false }
        if setting {
            if let position = index(of: line.itemKey) {
                // "make the hummus 3": the line's quantity, and any choice named with it.
                state.cart.update(at: position) { existing in
                    if parsed.stated[0] { existing.quantity = line.quantity }
                }
                _ = chooseNamed(text, for: position, &state)
            } else if state.cart.lines.count == 1 {
                // "make it 3 falafel instead": the only line becomes what is named.
                state.cart.replace(at: 0, with: line)
            } else {
                return false
            }
        } else if pointing, !parsed.stated[0], !line.options.isEmpty, let position = index(of: line.itemKey) {
            // "no pickles on the shawarma": the choices go to the line already there.
            guard chooseNamed(text, for: position, &state) else { return false }
        } else {
            return false
        }
        state.awaiting = nil
        showCart(state)
        askMissingOption(&state)
        return true
    }

    /// Picks for the cart's line at `position` every choice of its item the text names (a group
    /// with one choice has it replaced); whether any was named.
    mutating func chooseNamed(_ text: String, for position: Int, _ state: inout ConversationState) -> Bool {
        guard state.cart.lines.indices.contains(position), let item = engine.items[state.cart.lines[position].itemKey]
        else { return false }
        let keys = Set(engine.parser.choices(of: item.key, in: text))
        var named = false
        for group in item.options {
            for choice in group.choices where choice.availability == .available {
                guard keys.contains("\(group.key)/\(choice.key)") else { continue }
                let option = Cart.Option(key: "\(group.key)/\(choice.key)", name: choice.name, priceDelta: choice.price)
                state.cart.update(at: position) { line in
                    line.options.removeAll { $0.key == option.key }
                    let inGroup = line.options.filter { $0.key.hasPrefix(group.key + "/") }
                    if let maximum = group.maxChoices, inGroup.count >= maximum, let oldest = inGroup.first {
                        line.options.removeAll { $0.key == oldest.key }
                    }
                    line.options.append(option)
                }
                named = true
            }
        }
        return named
    }
}
