import Foundation

/// The menu, the cart and checkout: delivery type, location, confirmation and the order it places.
extension Turn {
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
