import Foundation
import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// Booking a court and a salon service on the example tenants' real configurations.
@Suite struct BookingConversationTests {
    static let tenants: [String: TenantConfig] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let loaded = try! TenantLoader().load(from: WorktreeSource(root: root), only: ["padel-beirut", "salon-rima"])
        return Dictionary(uniqueKeysWithValues: loaded.tenants.map { ($0.slug, $0) })
    }()

    static func engine(_ slug: String) -> ConversationEngine {
        let tenant = tenants[slug]!
        return ConversationEngine(tenant: tenant, branch: tenant.branches.first)
    }

    /// Thursday 26 November 2026, 10:00 in Beirut.
    static let morning = OpeningScheduleTests.beirut("2026-11-26 10:00")

    @Test func aCourtAskedForTomorrowEveningIsOfferedForConfirmationAndBooked() throws {
        let engine = BookingConversationTests.engine("padel-beirut")
        var state = ConversationState(currency: "USD")
        let asked = engine.handle(
            .text("baddi padel sa3a bokra 8 l masa"),
            state: &state,
            now: BookingConversationTests.morning
        )
        let start = OpeningScheduleTests.beirut("2026-11-27 20:00")
        #expect(state.scheduledFor == start, "\(asked.replies)")
        #expect(state.awaiting == .confirmation && state.deliveryType == .onSite)
        #expect(asked.replies.last?.text.contains("l jem3a 27/11 20:00") == true, "\(asked.replies)")
        let confirmed = engine.handle(.text("akid"), state: &state, now: BookingConversationTests.morning)
        guard case .placeOrder(let order) = confirmed.effects.first else {
            throw TestFailure("no booking: \(confirmed)")
        }
        #expect(
            order.bookings == [
                BookingCalendar.Booking(itemKey: "padel-60", start: start, end: start.addingTimeInterval(3600))
            ]
        )
        #expect(order.scheduledFor == start && order.deliveryType == .onSite)
    }

    @Test func aFullSlotIsRefusedAndTheFreeOnesOfThatDayAreListed() throws {
        let engine = BookingConversationTests.engine("padel-beirut")
        let start = OpeningScheduleTests.beirut("2026-11-27 20:00")
        // Three courts, three bookings overlapping 20:00 (one 90-minute booking from 19:00).
        let calendar = BookingCalendar(bookings: [
            .init(itemKey: "padel-60", start: start, end: start.addingTimeInterval(3600), places: 2),
            .init(
                itemKey: "padel-60",
                start: start.addingTimeInterval(-3600),
                end: start.addingTimeInterval(1800)
            ),
        ])
        var state = ConversationState(currency: "USD")
        let asked = engine.handle(
            .text("padel 1h tomorrow 8pm"),
            state: &state,
            now: BookingConversationTests.morning,
            calendar: calendar
        )
        #expect(
            asked.replies.map(\.text).contains("Sorry, Padel court, 60 minutes is not free at Fri 27 Nov 20:00."),
            "\(asked.replies)"
        )
        let offered = try #require(asked.replies.last?.choices.map(\.title))
        #expect(!offered.contains("Fri 27 Nov 20:00") && offered.contains("Fri 27 Nov 21:00"), "\(offered)")
        #expect(offered.allSatisfy { $0.hasPrefix("Fri 27 Nov") } && offered.count == 9)
        #expect(state.awaiting == .slot(item: "padel-60"))
        // The tap books the slot it names; a tap on a slot taken meanwhile is refused again.
        let id = try #require(asked.replies.last?.choices.first { $0.title == "Fri 27 Nov 21:00" }?.id)
        _ = engine.handle(
            .choice(id.rawValue),
            state: &state,
            now: BookingConversationTests.morning,
            calendar: calendar
        )
        #expect(state.scheduledFor == start.addingTimeInterval(3600) && state.awaiting == .confirmation)
        let taken = BookingCalendar(
            bookings: calendar.bookings + [
                .init(
                    itemKey: "padel-60",
                    start: start.addingTimeInterval(3600),
                    end: start.addingTimeInterval(7200),
                    places: 3
                )
            ]
        )
        let late = engine.handle(
            .choice("confirm"),
            state: &state,
            now: BookingConversationTests.morning,
            calendar: taken
        )
        #expect(late.effects.isEmpty && state.awaiting == .slot(item: "padel-60"), "\(late.replies)")
    }

    @Test func aBookingRefusedAtPlacementGoesBackSaysSoAndOffersTheOtherFreeTimesOfThatDay() throws {
        let engine = BookingConversationTests.engine("padel-beirut")
        var state = ConversationState(currency: "USD")
        _ = engine.handle(
            .text("baddi padel sa3a bokra 8 l masa"),
            state: &state,
            now: BookingConversationTests.morning
        )
        let before = state
        let confirmed = engine.handle(.text("akid"), state: &state, now: BookingConversationTests.morning)
        guard case .placeOrder(let order) = confirmed.effects.first else {
            throw TestFailure("no booking: \(confirmed)")
        }
        // The database refused it: the three courts were taken at 20:00 in the meantime.
        let start = OpeningScheduleTests.beirut("2026-11-27 20:00")
        let taken = BookingCalendar(bookings: [
            .init(itemKey: "padel-60", start: start, end: start.addingTimeInterval(3600), places: 3)
        ])
        let replies = engine.bookingRefused(
            order,
            before: before,
            state: &state,
            now: BookingConversationTests.morning,
            calendar: taken
        )
        #expect(replies.count == 2, "\(replies)")
        #expect(replies.first?.text.contains("l jem3a 27/11 20:00") == true, "\(replies)")
        let offered = replies.last?.choices.map(\.id.rawValue) ?? []
        #expect(!offered.isEmpty && !offered.contains("slot:padel-60:\(Int(start.timeIntervalSince1970))"))
        #expect(offered.allSatisfy { $0.hasPrefix("slot:padel-60:") })
        // The conversation waits for a time again, with the cart it had; nothing is scheduled.
        #expect(state.awaiting == .slot(item: "padel-60") && state.scheduledFor == nil)
        #expect(state.cart == before.cart && state.language == .arabizi)
    }

    @Test func aSalonServiceAsksItsRequiredOptionThenOffersSlotsInsideTheSplitHours() throws {
        let engine = BookingConversationTests.engine("salon-rima")
        var state = ConversationState(currency: "USD")
        let first = engine.handle(
            .text("bonjour, je voudrais une coupe femme"),
            state: &state,
            now: BookingConversationTests.morning
        )
        #expect(state.awaiting == .option(item: "womens-cut", group: "length"), "\(first.replies)")
        let slots = engine.handle(.text("cheveux longs"), state: &state, now: BookingConversationTests.morning)
        #expect(state.awaiting == .slot(item: "womens-cut"), "\(slots.replies)")
        let titles = try #require(slots.replies.last?.choices.map(\.title))
        // Thursday: 09:30–13:00 and 14:00–21:00; after 10:00, a 60-minute cut starts every half hour
        // and never runs into the lunch break (12:00 is the last before it).
        // In the customer's language: French here.
        #expect(titles.prefix(4) == ["jeu 26 nov 10:30", "jeu 26 nov 11:00", "jeu 26 nov 11:30", "jeu 26 nov 12:00"])
        #expect(!titles.contains("jeu 26 nov 12:30") && slots.replies.last?.page == 0)
        #expect(state.cart.lines.first?.options.map(\.key) == ["length/long"])
        #expect(state.cart.subtotal.amount == 35)
    }

    @Test func slotsFollowOpeningHoursPastMidnightAndTheGridOfTheDuration() {
        let tenant = BookingConversationTests.tenants["padel-beirut"]!
        let schedule = OpeningSchedule(business: tenant.business)!
        // Friday 27 November opens 08:00–01:00: the last 90-minute slot starts at 23:30.
        let slots = BookingCalendar.slots(
            itemKey: "padel-90",
            schedule: schedule,
            durationMinutes: 90,
            after: OpeningScheduleTests.beirut("2026-11-27 22:00"),
            days: 1
        )
        #expect(
            slots.map(\.start) == [
                OpeningScheduleTests.beirut("2026-11-27 22:30"), OpeningScheduleTests.beirut("2026-11-27 23:00"),
                OpeningScheduleTests.beirut("2026-11-27 23:30"),
            ]
        )
        let taken = BookingCalendar(bookings: [
            .init(itemKey: "padel-90", start: slots[0].start, end: slots[0].end, places: 2),
            .init(itemKey: "padel-90", start: slots[2].start, end: slots[2].end),
        ])
        // 23:00–00:30 meets two places at 23:00 and three at 23:30: the most at any moment counts,
        // not the sum of every booking it overlaps.
        #expect(taken.taken(slots[1]) == 3 && !taken.isFree(slots[1], capacity: 3))
        #expect(taken.isFree(slots[1], capacity: 4) && !taken.isFree(slots[1], capacity: 4, places: 2))
        let apart = BookingCalendar(bookings: [
            .init(itemKey: "padel-90", start: slots[0].start, end: slots[0].start.addingTimeInterval(1800)),
            .init(itemKey: "padel-90", start: slots[2].start, end: slots[2].end),
        ])
        #expect(apart.taken(slots[0]) == 1)
    }
}
