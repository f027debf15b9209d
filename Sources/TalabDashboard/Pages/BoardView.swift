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
    let calendar: Calendar
    /// "14:05" for today, "Sat 5 Dec 14:05" otherwise: made once per page, not once per time shown.
    let today: DateFormatter
    let otherDay: DateFormatter

    init(profile: OrderBoard.Profile, language: String, text: [String: String], csrf: String) {
        self.profile = profile
        self.language = language
        self.text = text
        self.csrf = csrf
        let zone = TimeZone(identifier: profile.timeZone) ?? TimeZone(identifier: "Asia/Beirut")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
        func formatter(_ template: String) -> DateFormatter {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: language == "ar" ? "ar_LB" : language == "fr" ? "fr_LB" : "en_LB")
            formatter.timeZone = zone
            formatter.setLocalizedDateFormatFromTemplate(template)
            return formatter
        }
        today = formatter("HH:mm")
        otherDay = formatter("EEE d MMM HH:mm")
    }

    /// A time as the business's people read it: "14:05", with the day when it is not today.
    func local(_ iso: String?, now: Date = Date()) -> String? {
        guard let iso, let date = Timestamp.parse(iso) else { return nil }
        return local(date, now: now)
    }

    func local(_ date: Date, now: Date = Date()) -> String? {
        (calendar.isDate(date, inSameDayAs: now) ? today : otherDay).string(from: date)
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

    /// The next step of a ticket past New: the status it moves to and the button's words.
    func next(_ status: String) -> (status: String, label: String)? {
        switch status {
        case "accepted": ("preparing", text["start"] ?? "preparing")
        case "preparing": ("ready", text["ready"] ?? "ready")
        case "ready": ("completed", text["complete"] ?? "completed")
        default: nil
        }
    }

    /// The board's columns as HTML, written directly: Mustache's dictionary lookups were two
    /// thirds of a board page's time with a hundred tickets (perf, `talab bench dashboard`).
    func columnsHTML(_ documents: [Document], now: Date = Date()) -> String {
        var buckets: [String: [Document]] = [:]
        for document in documents {
            let scheduled = document.order.scheduled_for.flatMap(Timestamp.parse)
            let later = document.order.status == "pending" || document.order.status == "accepted"
            let key =
                later && scheduled.map { $0.timeIntervalSince(now) > 3600 } == true
                ? "later" : document.order.status == "pending" ? "new" : document.order.status
            buckets[key, default: []].append(document)
        }
        var html = HTML()
        for key in ["new", "accepted", "preparing", "ready", "later"] {
            let tickets = buckets[key] ?? []
            html.raw("<div class=\"column\" data-column=\"\(key)\">\n  <h2>")
            html.text(text["column_\(key)"] ?? key)
            html.raw(" <span class=\"count\">\(tickets.count)</span></h2>\n")
            if tickets.isEmpty {
                html.raw("  <p class=\"empty\">")
                html.text(text["no_orders"] ?? "")
                html.raw("</p>\n")
            }
            for document in tickets { ticket(document, now: now, into: &html) }
            html.raw("</div>\n")
        }
        return html.output
    }

    func ticket(_ document: Document, now: Date, into html: inout HTML) {
        let order = document.order
        let branch = profile.branches.first { $0.id.uuidString.lowercased() == order.branch_id?.lowercased() }
        let prepMinutes = (branch?.preparationMinutes ?? 20) + (branch?.busyMinutes ?? 0)
        let created = Timestamp.parse(order.created_at) ?? now
        let age = max(0, Int(now.timeIntervalSince(created)))
        html.raw("  <article class=\"ticket\" data-order=\"")
        html.text(order.id)
        html.raw("\" data-status=\"")
        html.text(order.status)
        html.raw("\" data-since=\"")
        html.text(order.created_at)
        html.raw("\" data-prep=\"\(prepMinutes * 60)\">\n    <header><a href=\"/dashboard/orders/")
        html.text(order.id)
        html.raw("\" class=\"ref\">#")
        html.text(String(order.id.prefix(8)))
        html.raw("</a> <span class=\"kind\">")
        html.text(kind(order.delivery_type))
        html.raw("</span> <span class=\"timer\">\(age / 60):" + String(format: "%02d", age % 60) + "</span></header>\n")
        if let scheduled = local(order.scheduled_for, now: now) {
            html.raw("    <p class=\"later\">")
            html.text("\(text["for_time"] ?? "") \(scheduled)")
            html.raw("</p>\n")
        }
        if let readyBy = local(order.ready_by, now: now) {
            html.raw("    <p class=\"ready-by\">")
            html.text("\(text["ready_by"] ?? "") \(readyBy)")
            html.raw("</p>\n")
        }
        html.raw("    <ul class=\"lines\">")
        for line in document.items ?? [] {
            html.raw("<li><b>\(line.quantity)×</b> ")
            html.text(line.name)
            let options = (line.options ?? []).compactMap(\.name).joined(separator: ", ")
            if !options.isEmpty {
                html.raw("<span class=\"options\">")
                html.text(options)
                html.raw("</span>")
            }
            if let notes = line.notes, !notes.isEmpty {
                html.raw("<span class=\"notes\">")
                html.text(notes)
                html.raw("</span>")
            }
            html.raw("</li>")
        }
        html.raw("</ul>\n")
        if let notes = order.notes, !notes.isEmpty {
            html.raw("    <p class=\"notes\">")
            html.text(notes)
            html.raw("</p>\n")
        }
        html.raw("    <footer><span class=\"customer\"><bdi>")
        html.text(BoardView.customer(document.customer))
        html.raw("</bdi></span> <span class=\"total\">")
        html.text(money(order.total, order.currency))
        html.raw("</span>")
        if profile.branches.count > 1, let branch {
            html.raw(" <span class=\"branch\">")
            html.text(branch.name)
            html.raw("</span>")
        }
        html.raw("</footer>\n    <div class=\"actions\">\n")
        if order.status == "pending" {
            form(order.id, status: "accepted", into: &html) { html in
                html.raw("<label class=\"prep\">")
                html.text(text["preparation_time"] ?? "")
                html.raw(
                    " <input type=\"number\" name=\"preparation_minutes\" min=\"1\" max=\"600\" value=\"\(prepMinutes)\"> "
                )
                html.text(text["minutes"] ?? "")
                html.raw("</label><button class=\"primary\" data-action=\"accept\">")
                html.text(text["accept"] ?? "accept")
                html.raw("</button>")
            }
            form(order.id, status: "cancelled", extraClass: " reject", into: &html) { html in
                html.raw("<input type=\"text\" name=\"reason\" maxlength=\"500\" placeholder=\"")
                html.text(text["reason_placeholder"] ?? "")
                html.raw("\" aria-label=\"")
                html.text(text["reason"] ?? "")
                html.raw("\"><button class=\"danger\" data-action=\"reject\">")
                html.text(text["reject"] ?? "reject")
                html.raw("</button>")
            }
        }
        if let next = next(order.status) {
            form(order.id, status: next.status, into: &html) { html in
                html.raw("<button class=\"primary\" data-action=\"\(next.status)\">")
                html.text(next.label)
                html.raw("</button>")
            }
        }
        html.raw("    </div>\n  </article>\n")
    }

    /// A form that moves the order to `status`, with the CSRF token, around `body`.
    func form(
        _ order: String,
        status: String,
        extraClass: String = "",
        into html: inout HTML,
        _ body: (inout HTML) -> Void
    ) {
        html.raw("      <form method=\"post\" action=\"/dashboard/orders/")
        html.text(order)
        html.raw("/status\" class=\"move\(extraClass)\"><input type=\"hidden\" name=\"_csrf\" value=\"")
        html.text(csrf)
        html.raw("\"><input type=\"hidden\" name=\"status\" value=\"\(status)\">")
        body(&html)
        html.raw("</form>\n")
    }

    /// The history's rows, written directly like the board's tickets.
    func historyRowsHTML(_ documents: [Document]) -> String {
        var html = HTML()
        for document in documents {
            let order = document.order
            html.raw("      <tr class=\"status-")
            html.text(order.status)
            html.raw("\"><td><a href=\"/dashboard/orders/")
            html.text(order.id)
            html.raw("\">#")
            html.text(String(order.id.prefix(8)))
            html.raw("</a></td><td>")
            html.text(local(order.created_at) ?? "")
            html.raw("</td><td><bdi>")
            html.text(BoardView.customer(document.customer))
            html.raw("</bdi></td><td>")
            html.text(text["status_\(order.status)"] ?? order.status)
            html.raw("</td><td class=\"total\">")
            html.text(money(order.total, order.currency))
            html.raw("</td></tr>\n")
        }
        return html.output
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

extension ISO8601DateFormatter {
    /// With fractions of a second, so a page boundary is exact.
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

/// HTML written by hand: text escaped as it is added, markup added as it is.
struct HTML {
    private(set) var output = ""

    init() { output.reserveCapacity(64 * 1024) }

    mutating func raw(_ markup: String) { output += markup }

    /// Text, with the five characters HTML gives meaning to escaped.
    mutating func text(_ text: String) { HTML.escape(text, into: &output) }

    /// `text` with the five characters HTML (and SVG) give meaning to escaped, added to `output`.
    static func escape(_ text: String, into output: inout String) {
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(character)
            }
        }
    }
}
