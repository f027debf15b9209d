import Foundation
import TalabStore

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
