import Foundation
import TalabStore

/// A calendar day written `YYYY-MM-DD`, started in a business's own time zone.
struct BusinessDay {
    let year: Int
    let month: Int
    let day: Int

    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// Its first instant in `zone` (midnight, or the first hour a DST change leaves).
    func start(in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
            calendar.component(.day, from: date) == day
        else { return nil }
        return calendar.startOfDay(for: date)
    }
}

/// One archived order as a line: when (the business's time), which, status, total, lines.
struct ArchivedOrder {
    let line: String

    init(_ document: LogDocument, business: BusinessDirectory.Business) {
        let body = (try? JSONSerialization.jsonObject(with: Data(document.body.utf8))) as? [String: Any] ?? [:]
        let order = body["order"] as? [String: Any] ?? [:]
        let items = body["items"] as? [[String: Any]] ?? []
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: business.timeZone) ?? TimeZone(secondsFromGMT: 0)
        let lines = items.map { item in
            "\(item["quantity"] as? Int ?? 1) × \(item["name"] as? String ?? "?")"
        }
        line = [
            String(document.id.uuidString.lowercased().prefix(8)), formatter.string(from: document.at), business.slug,
            order["status"] as? String ?? "?", "\(order["total"] as? String ?? "?") \(business.currency)",
            lines.joined(separator: ", "),
        ].joined(separator: "  ")
    }
}
