public import Foundation

/// The bookings already taken for a branch's bookable services, and the slots a service can be
/// booked in: inside opening hours, on a grid that fits its duration. The database enforces each
/// service's capacity when a booking is placed; this lets the conversation offer only free slots.
public struct BookingCalendar: Sendable, Equatable {
    /// One service booked for a stretch of time, taking `places` of its capacity.
    public struct Booking: Sendable, Equatable, Codable {
        public let itemKey: String
        public let start: Date
        public let end: Date
        public let places: Int

        public init(itemKey: String, start: Date, end: Date, places: Int = 1) {
            self.itemKey = itemKey
            self.start = start
            self.end = end
            self.places = places
        }
    }

    /// A time a service can be booked for.
    public struct Slot: Sendable, Equatable {
        public let itemKey: String
        public let start: Date
        public let end: Date
    }

    public var bookings: [Booking]

    public init(bookings: [Booking] = []) { self.bookings = bookings }

    /// The most places taken at any moment of the slot.
    public func taken(_ slot: Slot) -> Int {
        let overlapping = bookings.filter { $0.itemKey == slot.itemKey && $0.start < slot.end && $0.end > slot.start }
        // The count only rises where a booking starts, so the slot's start and those starts suffice.
        let moments = [slot.start] + overlapping.map(\.start).filter { $0 > slot.start }
        return moments.map { moment in
            overlapping.filter { $0.start <= moment && $0.end > moment }.reduce(0) { $0 + $1.places }
        }.max() ?? 0
    }

    public func isFree(_ slot: Slot, capacity: Int, places: Int = 1) -> Bool { taken(slot) + places <= capacity }

    /// The slots of a service of `durationMinutes` that start after `now`, within `days` days,
    /// each wholly inside one opening stretch (stretches past midnight included). Slots start every
    /// 30 minutes from the opening (every 15 for a service whose duration 30 does not divide).
    public static func slots(
        itemKey: String = "",
        schedule: OpeningSchedule,
        durationMinutes: Int,
        after now: Date,
        days: Int
    ) -> [Slot] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = schedule.timeZone
        let step = [30, 15].first { durationMinutes % $0 == 0 } ?? durationMinutes
        var slots: [Slot] = []
        let startOfToday = calendar.startOfDay(for: now)
        for offset in -1..<days {
            guard let day = calendar.date(byAdding: .day, value: offset, to: startOfToday) else { continue }
            let components = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard case .open(let intervals) = schedule.hours(on: components) else { continue }
            for interval in intervals {
                guard let open = moment(day, interval.open.minutes, calendar),
                    let close = moment(
                        day,
                        interval.close.minutes + (interval.crossesMidnight ? 1440 : 0),
                        calendar
                    )
                else { continue }
                var start = open
                while let end = calendar.date(byAdding: .minute, value: durationMinutes, to: start), end <= close {
                    if start > now { slots.append(Slot(itemKey: itemKey, start: start, end: end)) }
                    guard let next = calendar.date(byAdding: .minute, value: step, to: start) else { break }
                    start = next
                }
            }
        }
        return slots
    }

    /// The wall-clock minute of a day (past 1440 runs into the next), through the zone's rules.
    static func moment(_ day: Date, _ minutes: Int, _ calendar: Calendar) -> Date? {
        let dayOffset = minutes / 1440
        let minute = minutes % 1440
        guard let date = calendar.date(byAdding: .day, value: dayOffset, to: day) else { return nil }
        return calendar.date(bySettingHour: minute / 60, minute: minute % 60, second: 0, of: date)
    }
}
