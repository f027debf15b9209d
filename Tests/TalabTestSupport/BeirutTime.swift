public import Foundation

/// A wall-clock time in Beirut, the example tenants' zone: `"2026-11-26 13:00"`.
public func beirutTime(_ text: String) -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "Asia/Beirut")
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.date(from: text)!
}
