public import Foundation

/// When a business or branch is open, in its own time zone: weekly hours, stretches that run past
/// midnight (a Friday 11:00–02:00 is open at 01:30 on Saturday), and dated overrides (a holiday
/// closed, a New Year's Eve open late). Wall-clock times follow the zone's daylight-saving rules.
public struct OpeningSchedule: Sendable {
    public let timeZone: TimeZone
    public let weekly: [DayOfWeek: DailyHours]
    /// By calendar date `YYYY-MM-DD`.
    public let overrides: [String: DailyHours]
    private let calendar: Calendar

    public init(timeZone: TimeZone, weekly: [DayOfWeek: DailyHours], overrides: [String: DailyHours] = [:]) {
        self.timeZone = timeZone
        self.weekly = weekly
        self.overrides = overrides
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// A branch's schedule: its own days and dates over the business's.
    public init?(business: BusinessConfig, branch: BranchConfig? = nil) {
        guard let zone = TimeZone(identifier: business.timezone) else { return nil }
        var weekly = business.openingHours
        var overrides: [String: DailyHours] = [:]
        for override in business.dateOverrides { overrides[override.date] = override.hours }
        if let branch {
            weekly.merge(branch.openingHours) { $1 }
            for override in branch.dateOverrides { overrides[override.date] = override.hours }
        }
        self.init(timeZone: zone, weekly: weekly, overrides: overrides)
    }

    /// The hours that apply on a calendar day (its override, else its weekday's).
    public func hours(on day: DateComponents) -> DailyHours {
        guard let year = day.year, let month = day.month, let date = day.day else { return .closed }
        let key = String(format: "%04d-%02d-%02d", year, month, date)
        if let override = overrides[key] { return override }
        guard let weekday = day.weekday else { return .closed }
        let names: [DayOfWeek] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        return weekly[names[(weekday - 1) % 7]] ?? .closed
    }

    public func isOpen(at date: Date) -> Bool {
        let today = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        let minute = (today.hour ?? 0) * 60 + (today.minute ?? 0)
        if case .open(let intervals) = hours(on: today) {
            for interval in intervals where interval.open.minutes <= minute {
                if interval.crossesMidnight || minute < interval.close.minutes { return true }
            }
        }
        // Yesterday's stretch that runs past midnight.
        guard let yesterdayDate = calendar.date(byAdding: .day, value: -1, to: date) else { return false }
        let yesterday = calendar.dateComponents([.year, .month, .day, .weekday], from: yesterdayDate)
        if case .open(let intervals) = hours(on: yesterday) {
            for interval in intervals where interval.crossesMidnight && minute < interval.close.minutes {
                return true
            }
        }
        return false
    }

    /// The next moment it opens after `date`, looking two weeks ahead; `date` itself when open.
    public func nextOpening(after date: Date) -> Date? {
        if isOpen(at: date) { return date }
        for offset in 0...14 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: date) else { continue }
            let components = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard case .open(let intervals) = hours(on: components) else { continue }
            let starts = intervals.compactMap { interval -> Date? in
                var start = components
                start.hour = interval.open.minutes / 60
                start.minute = interval.open.minutes % 60
                start.weekday = nil
                return calendar.date(from: start)
            }
            if let first = starts.filter({ $0 > date }).min() { return first }
        }
        return nil
    }
}
