import Foundation
import TalabCore

extension FileReader {
    /// `opening_hours`: each day `closed`, `{ open, close }`, or a list of those stretches.
    func openingHours(_ node: YAMLNode) -> [DayOfWeek: DailyHours] {
        guard let fields = fields(node, "opening_hours", allowed: DayOfWeek.allCases.map(\.rawValue)) else {
            return [:]
        }
        var hours: [DayOfWeek: DailyHours] = [:]
        for day in DayOfWeek.allCases {
            guard let value = fields.values[day.rawValue] else { continue }
            if let daily = dailyHours(value, day.rawValue) { hours[day] = daily }
        }
        return hours
    }

    func dailyHours(_ node: YAMLNode, _ what: String) -> DailyHours? {
        switch node.kind {
        case .scalar(let value, _) where value == "closed":
            return .closed
        case .mapping:
            return interval(node, what).map { .open([$0]) }
        case .sequence(let stretches) where !stretches.isEmpty:
            let intervals = stretches.compactMap { interval($0, what) }
            guard intervals.count == stretches.count else { return nil }
            let sorted = intervals.sorted { $0.open < $1.open }
            for (earlier, later) in zip(sorted, sorted.dropFirst())
            where earlier.crossesMidnight || later.open < earlier.close {
                error(node.mark, "overlapping_hours", "\(what) has stretches that overlap")
                return nil
            }
            return .open(intervals)
        default:
            error(
                node.mark,
                "invalid_hours",
                "\(what) must be closed, { open: \"09:00\", close: \"17:00\" }, or a list of such stretches"
            )
            return nil
        }
    }

    func interval(_ node: YAMLNode, _ what: String) -> OpeningInterval? {
        guard
            let fields = fields(
                node,
                "the hours of \(what)",
                allowed: ["open", "close"],
                required: ["open", "close"]
            ),
            let openNode = fields["open"], let closeNode = fields["close"]
        else { return nil }
        let open = time(openNode, "open", allowEndOfDay: false)
        let close = time(closeNode, "close", allowEndOfDay: true)
        guard let open, let close else { return nil }
        if open == close {
            error(
                closeNode.mark,
                "invalid_hours",
                "close equals open; for a whole day write open: \"00:00\", close: \"24:00\""
            )
            return nil
        }
        return OpeningInterval(open: open, close: close)
    }

    /// `date_overrides`: holidays and special days.
    func dateOverrides(_ node: YAMLNode) -> [DateOverrideConfig] {
        guard let entries = list(node, "date_overrides") else { return [] }
        var seen: Set<String> = []
        return entries.compactMap { entry -> DateOverrideConfig? in
            guard
                let fields = fields(
                    entry,
                    "a date override",
                    allowed: ["date", "closed", "open", "close", "note"],
                    required: ["date"]
                ),
                let dateNode = fields["date"], let date = date(dateNode, "date")
            else { return nil }
            guard seen.insert(date).inserted else {
                error(dateNode.mark, "duplicate_key", "\(date) is overridden twice")
                return nil
            }
            let closed = fields["closed"].flatMap { bool($0, "closed") } ?? false
            let note = fields["note"].flatMap { text($0, "note") }
            let hours: DailyHours
            if closed {
                if fields.has("open") || fields.has("close") {
                    error(entry.mark, "invalid_hours", "a closed day has no open or close time")
                }
                hours = .closed
            } else {
                guard fields.has("open") || fields.has("close") else {
                    error(
                        entry.mark,
                        "invalid_hours",
                        "a date override is either closed: true or has open and close times"
                    )
                    return nil
                }
                guard let openNode = fields.values["open"], let closeNode = fields.values["close"] else {
                    error(entry.mark, "missing_key", "a date override with hours needs both open and close")
                    return nil
                }
                guard let open = time(openNode, "open", allowEndOfDay: false),
                    let close = time(closeNode, "close", allowEndOfDay: true)
                else { return nil }
                hours = .open([OpeningInterval(open: open, close: close)])
            }
            record(.dateOverride(branch: branchKey, date: date), entry)
            return DateOverrideConfig(date: date, hours: hours, note: note)
        }
    }

    /// `policies`: each keyed by its type unless it names its own key (for several custom policies).
    func policies(_ node: YAMLNode) -> [PolicyConfig] {
        guard let entries = list(node, "policies") else { return [] }
        var keys: [String: SourceMark] = [:]
        return entries.compactMap { entry -> PolicyConfig? in
            guard
                let fields = fields(
                    entry,
                    "a policy",
                    allowed: ["key", "type", "title", "description"],
                    required: ["type", "description"]
                ),
                let type = fields["type"].flatMap({ oneOf($0, "type", PolicyType.self) }),
                let description = fields["description"].flatMap({ text($0, "description") })
            else { return nil }
            let key = fields["key"].flatMap { self.key($0, "key") } ?? type.rawValue
            if let first = keys[key] {
                error(
                    entry.mark,
                    "duplicate_key",
                    "a second policy with key '\(key)' (first at line \(first.line)); give each its own key"
                )
                return nil
            }
            keys[key] = entry.mark
            record(.policy(branch: branchKey, key: key), entry)
            return PolicyConfig(
                key: key,
                type: type,
                title: fields["title"].flatMap { text($0, "title") },
                description: description
            )
        }
    }

    func location(of node: YAMLNode) -> LocationConfig? {
        guard
            let fields = fields(
                node,
                "location",
                allowed: ["city", "street", "building", "floor", "notes", "latitude", "longitude"]
            )
        else { return nil }
        var location = LocationConfig()
        location.city = fields["city"].flatMap { text($0, "city") }
        location.street = fields["street"].flatMap { text($0, "street") }
        location.building = fields["building"].flatMap { text($0, "building") }
        location.floor = fields["floor"].flatMap { text($0, "floor") }
        location.notes = fields["notes"].flatMap { text($0, "notes") }
        location.latitude = fields["latitude"].flatMap { coordinate($0, "latitude", limit: 90) }
        location.longitude = fields["longitude"].flatMap { coordinate($0, "longitude", limit: 180) }
        return location
    }

    private func coordinate(_ node: YAMLNode, _ what: String, limit: Int) -> Decimal? {
        guard let value = decimal(node, what, maxPlaces: 8, allowNegative: true) else { return nil }
        guard abs(value) <= Decimal(limit) else {
            error(node.mark, "out_of_range", "\(what) must be between -\(limit) and \(limit)")
            return nil
        }
        return value
    }

    func whatsapp(_ node: YAMLNode) -> WhatsAppConfig? {
        guard
            let fields = fields(
                node,
                "whatsapp",
                allowed: ["phone_number", "phone_number_id", "access_token"],
                required: ["phone_number", "phone_number_id", "access_token"]
            )
        else { return nil }
        let phone = fields["phone_number"].flatMap { phoneNumber($0, "phone_number") }
        let identifierNode = fields["phone_number_id"]
        let identifier = identifierNode.flatMap { node -> String? in
            guard let value = text(node, "phone_number_id") else { return nil }
            guard TextShape.isDigits(value, minimum: 5, maximum: 32) else {
                error(node.mark, "invalid_phone_number_id", "phone_number_id is the number's id from Meta, digits only")
                return nil
            }
            return value
        }
        let tokenNode = fields["access_token"]
        let token = tokenNode.flatMap { secret($0, "access_token") }
        guard let phone, let identifier, let token else { return nil }
        // The id is what must be unique across tenants, so its own position is the one to report.
        record(.whatsappNumber(branch: branchKey), identifierNode ?? node)
        record(.whatsappToken(branch: branchKey), tokenNode ?? node)
        return WhatsAppConfig(phoneNumber: phone, phoneNumberID: identifier, accessToken: token)
    }

    func translations(_ node: YAMLNode) -> [Language: String] {
        guard let fields = fields(node, "translations", allowed: Language.allCases.map(\.rawValue)) else { return [:] }
        var translations: [Language: String] = [:]
        for language in Language.allCases {
            if let value = fields[language.rawValue], let text = text(value, "the \(language.rawValue) name") {
                translations[language] = text
            }
        }
        return translations
    }
}
