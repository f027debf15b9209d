import Foundation

/// A turn's times and rules: meals for later, opening hours, policies, and the slots of bookable
/// services.
extension Turn {
    // MARK: Times

    /// A meal for later: kept when the business takes scheduled orders and is open then.
    mutating func schedule(_ time: Date, _ state: inout ConversationState) {
        guard let schedule = engine.schedule, time > now else { return }
        guard engine.tenant.business.settings.allowScheduledOrders, schedule.isOpen(at: time) else {
            say("closed_at", ["time": when(time), "opening": opening(schedule, after: time)])
            return
        }
        state.scheduledFor = time
    }

    func when(_ date: Date) -> String { engine.describe(date, in: language) }

    func opening(_ schedule: OpeningSchedule, after date: Date? = nil) -> String {
        guard let next = schedule.nextOpening(after: date ?? now) else { return "" }
        return when(next)
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
        let stretches = intervals.map { "\($0.open)–\($0.close)" }.joined(separator: ", ")
        say(schedule.isOpen(at: now) ? "hours_open" : "hours", ["hours": stretches])
    }

    mutating func policies(_ text: String) {
        let normalized = " " + TextNormalizer.words(TextNormalizer.normalize(text)).joined(separator: " ") + " "
        let asked = PolicyTopic.all.filter { topic in topic.words.contains { normalized.contains(" \($0) ") } }
            .map(\.type)
        let all = engine.policies
        let chosen = asked.isEmpty ? all : all.filter { asked.contains($0.type) }
        guard !chosen.isEmpty else {
            say("no_policy", choices: [menuChoice])
            return
        }
        for policy in chosen {
            say("policy", ["title": policy.title ?? policy.key, "description": policy.description])
        }
    }

    // MARK: Bookings

    /// The cart's bookable service (an item with a duration), if any.
    func bookableLine(_ state: ConversationState) -> String? {
        state.cart.lines.first { engine.items[$0.itemKey]?.durationMinutes != nil }?.itemKey
    }

    func slots(for item: ItemConfig) -> [BookingCalendar.Slot] {
        guard let schedule = engine.schedule, let minutes = item.durationMinutes else { return [] }
        return BookingCalendar.slots(
            itemKey: item.key,
            schedule: schedule,
            durationMinutes: minutes,
            after: now,
            days: 7
        )
    }

    /// Books the item at `time` when that slot is free, else offers the free slots around it.
    mutating func book(_ key: String, at time: Date?, _ state: inout ConversationState) {
        guard let item = engine.items[key] else { return say("not_understood") }
        if askMissingOption(&state) { return }
        state.deliveryType = .onSite
        let week = slots(for: item)
        if let time {
            let capacity = item.capacity ?? 1
            if let slot = week.first(where: { $0.start == time }), calendar.isFree(slot, capacity: capacity) {
                state.scheduledFor = slot.start
                confirmPrompt(&state)
                return
            }
            say("slot_taken", ["item": engine.displayName(item, language), "time": when(time)])
        }
        offerSlots(key, around: time, page: 0, &state, week: week)
    }

    /// Lists the item's free slots (of `week` when the caller has them already).
    mutating func offerSlots(
        _ key: String,
        around time: Date?,
        page: Int,
        _ state: inout ConversationState,
        week: [BookingCalendar.Slot]? = nil
    ) {
        guard let item = engine.items[key] else { return say("not_understood") }
        let capacity = item.capacity ?? 1
        var free = (week ?? slots(for: item)).filter { calendar.isFree($0, capacity: capacity) }
        if let time {
            // The free slots of that day, nearest first, listed in time order.
            let zone = engine.schedule?.timeZone ?? .current
            var days = Calendar(identifier: .gregorian)
            days.timeZone = zone
            let sameDay = free.filter { days.isDate($0.start, inSameDayAs: time) }
            free = Array(
                (sameDay.isEmpty ? free : sameDay).sorted {
                    abs($0.start.timeIntervalSince(time)) < abs($1.start.timeIntervalSince(time))
                }.prefix(9)
            ).sorted { $0.start < $1.start }
        }
        guard !free.isEmpty else {
            state.awaiting = nil
            say("no_slots", ["item": engine.displayName(item, language)])
            return
        }
        state.awaiting = .slot(item: key)
        state.scheduledFor = nil
        say(
            "ask_slot",
            ["item": engine.displayName(item, language)],
            choices: free.map {
                .init(id: .slot(item: key, start: Int($0.start.timeIntervalSince1970)), title: when($0.start))
            },
            page: page,
            list: .slots
        )
    }
}
