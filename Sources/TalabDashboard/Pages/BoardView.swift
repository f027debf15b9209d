import Foundation
import TalabCore
import TalabStore

/// The board's orders (the documents of `OrderBoard`) as the templates show them: columns New,
/// Accepted, Preparing, Ready and Later (scheduled for more than an hour ahead), tickets with their
/// lines, age and next step, times in the business's own zone.
struct BoardView {
    struct Document: Decodable {
        struct Order: Decodable {
            let id: String
            let branch_id: String?
            let status: String
            let delivery_type: String?
            let currency: String?
            let total: String?
            let notes: String?
            let scheduled_for: String?
            let created_at: String
            let ready_by: String?
            let cancel_reason: String?
        }
        struct Customer: Decodable {
            let phone_number: String?
            let whatsapp_user_id: String?
            let name: String?
        }
        struct Line: Decodable {
            struct Option: Decodable {
                let name: String?
            }
            let name: String
            let quantity: Int
            let price: String?
            let notes: String?
            let options: [Option]?
        }
        struct Change: Decodable {
            let status: String
            let at: String
            let by: String?
        }
        struct Address: Decodable {
            let city: String?
            let street: String?
            let building: String?
            let floor: String?
            let notes: String?
        }
        let order: Order
        let customer: Customer?
        let items: [Line]?
        let timeline: [Change]?
        let delivery_address: Address?
    }

    let profile: OrderBoard.Profile
    let language: String
    let text: [String: String]
    let csrf: String

    var zone: TimeZone { TimeZone(identifier: profile.timeZone) ?? TimeZone(identifier: "Asia/Beirut")! }

    /// A time as the business's people read it: "14:05", with the day when it is not today.
    func local(_ iso: String?, now: Date = Date()) -> String? {
        guard let iso, let date = Timestamp.parse(iso) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == "ar" ? "ar_LB" : language == "fr" ? "fr_LB" : "en_LB")
        formatter.timeZone = zone
        formatter.setLocalizedDateFormatFromTemplate(
            calendar.isDate(date, inSameDayAs: now) ? "HH:mm" : "EEE d MMM HH:mm"
        )
        return formatter.string(from: date)
    }

    /// An amount of a document (text, as stored) as customers read it: `$11.00`.
    func money(_ amount: String?, _ currency: String?) -> String {
        guard let amount, let value = Decimal(string: amount) else { return "" }
        return Money(value, currency ?? profile.currency).description
    }

    func kind(_ type: String?) -> String { text[type ?? ""] ?? (type ?? "") }

    static func customer(_ customer: Document.Customer?) -> String {
        guard let customer else { return "" }
        if let phone = customer.phone_number { return "+" + phone }
        return customer.name ?? customer.whatsapp_user_id ?? ""
    }

    static func lines(_ document: Document) -> [[String: Any]] {
        (document.items ?? []).map { line in
            var values: [String: Any] = ["name": line.name, "quantity": line.quantity, "price": line.price ?? ""]
            let options = (line.options ?? []).compactMap(\.name).joined(separator: ", ")
            if !options.isEmpty { values["options"] = options }
            if let notes = line.notes, !notes.isEmpty { values["notes"] = notes }
            return values
        }
    }

    /// The next step of a ticket past New.
    func next(_ status: String) -> [String: Any]? {
        switch status {
        case "accepted": ["status": "preparing", "label": text["start"] ?? "preparing"]
        case "preparing": ["status": "ready", "label": text["ready"] ?? "ready"]
        case "ready": ["status": "completed", "label": text["complete"] ?? "completed"]
        default: nil
        }
    }

    func ticket(_ document: Document, now: Date) -> [String: Any] {
        let order = document.order
        let branch = profile.branches.first { $0.id.uuidString.lowercased() == order.branch_id?.lowercased() }
        let prepMinutes = branch?.preparationMinutes ?? 20
        let created = Timestamp.parse(order.created_at) ?? now
        let age = Int(now.timeIntervalSince(created))
        var values: [String: Any] = [
            "id": order.id, "ref": String(order.id.prefix(8)), "status": order.status,
            "since": order.created_at, "prepSeconds": prepMinutes * 60, "prepMinutes": prepMinutes,
            "age": "\(age / 60):" + String(format: "%02d", age % 60),
            "kind": kind(order.delivery_type), "lines": BoardView.lines(document),
            "customer": BoardView.customer(document.customer),
            "total": money(order.total, order.currency),
            "csrf": csrf, "canAccept": order.status == "pending",
        ]
        if profile.branches.count > 1, let branch { values["branch"] = branch.name }
        if let scheduled = local(order.scheduled_for, now: now) { values["scheduled"] = scheduled }
        if let readyBy = local(order.ready_by, now: now) { values["readyBy"] = readyBy }
        if let notes = order.notes, !notes.isEmpty { values["orderNotes"] = notes }
        if let next = next(order.status) { values["next"] = next }
        return values
    }

    /// The columns of the board for `documents`.
    func columns(_ documents: [Document], now: Date = Date()) -> [[String: Any]] {
        var buckets: [String: [[String: Any]]] = [:]
        for document in documents {
            let scheduled = document.order.scheduled_for.flatMap(Timestamp.parse)
            let later = document.order.status == "pending" || document.order.status == "accepted"
            let key =
                later && scheduled.map { $0.timeIntervalSince(now) > 3600 } == true
                ? "later"
                : document.order.status == "pending" ? "new" : document.order.status
            buckets[key, default: []].append(ticket(document, now: now))
        }
        return ["new", "accepted", "preparing", "ready", "later"].map { key in
            let tickets = buckets[key] ?? []
            return ["key": key, "title": text["column_\(key)"] ?? key, "tickets": tickets, "count": tickets.count]
        }
    }

    /// One order's page.
    func order(_ document: Document) -> [String: Any] {
        let order = document.order
        let branch = profile.branches.first { $0.id.uuidString.lowercased() == order.branch_id?.lowercased() }
        var values: [String: Any] = [
            "ref": String(order.id.prefix(8)), "status": order.status,
            "statusText": text["status_\(order.status)"] ?? order.status,
            "customer": BoardView.customer(document.customer), "branch": branch?.name ?? "",
            "kindLabel": kind(order.delivery_type), "placed": local(order.created_at) ?? "",
            "lines": BoardView.lines(document),
            "total": money(order.total, order.currency),
            "timeline": (document.timeline ?? []).map { change in
                [
                    "at": local(change.at) ?? change.at, "status": text["status_\(change.status)"] ?? change.status,
                    "by": text["by_\(change.by ?? "system")"] ?? "",
                ]
            },
        ]
        if let scheduled = local(order.scheduled_for) { values["scheduled"] = scheduled }
        if let readyBy = local(order.ready_by) { values["readyBy"] = readyBy }
        if let notes = order.notes, !notes.isEmpty { values["notes"] = notes }
        if let reason = order.cancel_reason { values["cancelReason"] = reason }
        if let address = document.delivery_address {
            values["address"] = [address.street, address.building, address.floor, address.city, address.notes]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        }
        return values
    }
}
