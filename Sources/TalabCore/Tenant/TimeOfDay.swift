/// A wall-clock time in a business's own time zone, to the minute; 24:00 is the end of the day.
public struct TimeOfDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Minutes since midnight, 0 through 1440.
    public let minutes: Int

    public init?(hour: Int, minute: Int) {
        guard (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        minutes = hour * 60 + minute
    }

    /// Parses `HH:MM` (`8:30` too); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }

    public var description: String {
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }
}

/// One stretch of opening on a day. A close at or before the open means the stretch ends after
/// midnight, on the next day (a Friday 11:00–02:00).
public struct OpeningInterval: Sendable, Hashable, Codable {
    public let open: TimeOfDay
    public let close: TimeOfDay

    public init(open: TimeOfDay, close: TimeOfDay) {
        self.open = open
        self.close = close
    }

    public var crossesMidnight: Bool { close <= open }
}

/// A day's hours: closed, or open for one or more stretches (lunch and dinner).
public enum DailyHours: Sendable, Hashable, Codable {
    case closed
    case open([OpeningInterval])
}
