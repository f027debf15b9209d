import Foundation
import TalabCore

extension FileReader {
    static let businessKeys = [
        "name", "type", "default_language", "timezone", "currency", "contact_phone_number", "email", "location",
        "whatsapp", "settings", "opening_hours", "date_overrides", "policies",
    ]

    func business(_ root: YAMLNode) -> BusinessConfig? {
        guard
            let fields = fields(
                root,
                "business.yaml",
                allowed: FileReader.businessKeys,
                required: ["name", "type", "currency"]
            )
        else { return nil }
        let name = fields["name"].flatMap { text($0, "name") }
        let type = fields["type"].flatMap { oneOf($0, "type", BusinessType.self) }
        let timezone: String?
        if let node = fields["timezone"] { timezone = timeZone(node) } else { timezone = "Asia/Beirut" }
        let currency = fields["currency"].flatMap { self.currency($0) }
        // Every field is read before giving up on a missing one, so one run reports every error.
        var business = BusinessConfig(
            name: name ?? "",
            type: type ?? .other,
            timezone: timezone ?? "",
            currency: currency ?? ""
        )
        record(.business, root)
        business.defaultLanguage = fields["default_language"].flatMap { oneOf($0, "default_language", Language.self) }
        business.contactPhoneNumber = fields["contact_phone_number"].flatMap { phoneNumber($0, "contact_phone_number") }
        business.email = fields["email"].flatMap { email($0, "email") }
        business.location = fields["location"].flatMap { location(of: $0) }
        business.whatsapp = fields["whatsapp"].flatMap { whatsapp($0) }
        if let node = fields["settings"] { business.settings = settings(node) }
        business.openingHours = fields["opening_hours"].map { openingHours($0) } ?? [:]
        business.dateOverrides = fields["date_overrides"].map { dateOverrides($0) } ?? []
        business.policies = fields["policies"].map { policies($0) } ?? []
        guard name != nil, type != nil, timezone != nil, currency != nil else { return nil }
        return business
    }

    /// Known zone names, read once: looking one up through `TimeZone(identifier:)` loads its rules every time.
    static let timeZones = Set(TimeZone.knownTimeZoneIdentifiers)

    static func isTimeZone(_ identifier: String) -> Bool {
        timeZones.contains(identifier) || TimeZone(identifier: identifier) != nil
    }

    static let currencyCodes = Set(Locale.commonISOCurrencyCodes.filter { $0.utf8.count == 3 })

    private func timeZone(_ node: YAMLNode) -> String? {
        guard let value = text(node, "timezone") else { return nil }
        guard value.contains("/") || value == "UTC", FileReader.isTimeZone(value) else {
            error(node.mark, "invalid_timezone", "timezone '\(value)' is not an IANA time zone such as Asia/Beirut")
            return nil
        }
        return value
    }

    private func currency(_ node: YAMLNode) -> String? {
        guard let value = text(node, "currency") else { return nil }
        guard FileReader.currencyCodes.contains(value) else {
            error(node.mark, "invalid_currency", "currency '\(value)' is not an ISO 4217 code such as USD or LBP")
            return nil
        }
        return value
    }

    private func settings(_ node: YAMLNode) -> BusinessSettings {
        var settings = BusinessSettings()
        guard
            let fields = fields(
                node,
                "settings",
                allowed: [
                    "allow_scheduled_orders", "allow_delivery", "allow_takeaway", "allow_on_site", "arabizi_replies",
                    "order_update_template", "auto_reject_minutes", "llm",
                ]
            )
        else { return settings }
        if let value = fields["allow_scheduled_orders"].flatMap({ bool($0, "allow_scheduled_orders") }) {
            settings.allowScheduledOrders = value
        }
        if let value = fields["allow_delivery"].flatMap({ bool($0, "allow_delivery") }) {
            settings.allowDelivery = value
        }
        if let value = fields["allow_takeaway"].flatMap({ bool($0, "allow_takeaway") }) {
            settings.allowTakeaway = value
        }
        if let value = fields["allow_on_site"].flatMap({ bool($0, "allow_on_site") }) { settings.allowOnSite = value }
        if let value = fields["arabizi_replies"].flatMap({
            oneOf($0, "arabizi_replies", BusinessSettings.ArabiziReplies.self)
        }) {
            settings.arabiziReplies = value
        }
        if let value = fields["order_update_template"].flatMap({ templateName($0, "order_update_template") }) {
            settings.orderUpdateTemplate = value
        }
        settings.autoRejectMinutes = fields["auto_reject_minutes"].flatMap {
            integer($0, "auto_reject_minutes", in: 1...240)
        }
        if let value = fields["llm"].flatMap({ oneOf($0, "llm", ModelMode.self) }) { settings.llm = value }
        return settings
    }

    static let branchKeys = [
        "name", "active", "location", "contact_phone_number", "whatsapp", "min_order_value",
        "avg_preparation_time_minutes", "service_radius_km", "delivery_fee_rules", "menus", "opening_hours",
        "date_overrides", "policies",
    ]

    func branch(_ root: YAMLNode, key: String) -> BranchConfig? {
        guard let fields = fields(root, "a branch file", allowed: FileReader.branchKeys, required: ["name"]) else {
            return nil
        }
        let name = fields["name"].flatMap { text($0, "name") }
        branchKey = key
        var branch = BranchConfig(key: key, name: name ?? "")
        record(.branch(key), root)
        if let value = fields["active"].flatMap({ bool($0, "active") }) { branch.active = value }
        branch.location = fields["location"].flatMap { location(of: $0) }
        branch.contactPhoneNumber = fields["contact_phone_number"].flatMap { phoneNumber($0, "contact_phone_number") }
        branch.whatsapp = fields["whatsapp"].flatMap { whatsapp($0) }
        branch.minOrderValue = fields["min_order_value"].flatMap { money($0, "min_order_value") }
        branch.avgPreparationTimeMinutes = fields["avg_preparation_time_minutes"].flatMap {
            integer($0, "avg_preparation_time_minutes", in: 0...1440)
        }
        branch.serviceRadiusKm = fields["service_radius_km"].flatMap { decimal($0, "service_radius_km", maxPlaces: 2) }
        branch.deliveryFeeRules =
            fields["delivery_fee_rules"].map { feeRules($0, radius: branch.serviceRadiusKm) } ?? []
        if let node = fields["menus"], let menus = list(node, "menus") {
            var seen: Set<String> = []
            for menu in menus {
                guard let menuKey = self.key(menu, "a menu key") else { continue }
                if !menuKeys.contains(menuKey) {
                    let hint =
                        Suggestion.closest(to: menuKey, among: menuKeys.sorted()).map { "; did you mean '\($0)'?" }
                        ?? ""
                    error(menu.mark, "unknown_menu", "there is no menus/\(menuKey).yaml\(hint)")
                } else if seen.insert(menuKey).inserted {
                    branch.menus.append(menuKey)
                } else {
                    error(menu.mark, "duplicate_key", "menu '\(menuKey)' is listed twice")
                }
            }
        }
        branch.openingHours = fields["opening_hours"].map { openingHours($0) } ?? [:]
        branch.dateOverrides = fields["date_overrides"].map { dateOverrides($0) } ?? []
        branch.policies = fields["policies"].map { policies($0) } ?? []
        return name == nil ? nil : branch
    }

    private func feeRules(_ node: YAMLNode, radius: Decimal?) -> [DeliveryFeeRule] {
        guard let entries = list(node, "delivery_fee_rules") else { return [] }
        var rules: [DeliveryFeeRule] = []
        for entry in entries {
            guard
                let fields = fields(
                    entry,
                    "a delivery fee rule",
                    allowed: ["up_to_km", "fee"],
                    required: ["up_to_km", "fee"]
                ),
                let distanceNode = fields["up_to_km"],
                let distance = decimal(distanceNode, "up_to_km", maxPlaces: 2),
                let fee = fields["fee"].flatMap({ money($0, "fee") })
            else { continue }
            if let last = rules.last, distance <= last.upToKm {
                error(distanceNode.mark, "unordered_rules", "up_to_km must grow from one rule to the next")
                continue
            }
            if let radius, distance > radius {
                error(distanceNode.mark, "out_of_range", "up_to_km \(distance) is beyond service_radius_km \(radius)")
                continue
            }
            rules.append(DeliveryFeeRule(upToKm: distance, fee: fee))
        }
        return rules
    }

    static let menuKeys = ["name", "description", "shared", "active", "image", "items"]

    func menu(_ root: YAMLNode, key: String) -> MenuConfig? {
        guard let fields = fields(root, "a menu file", allowed: FileReader.menuKeys, required: ["name"]) else {
            return nil
        }
        let name = fields["name"].flatMap { text($0, "name") }
        var menu = MenuConfig(key: key, name: name ?? "")
        record(.menu(key), root)
        menu.description = fields["description"].flatMap { text($0, "description") }
        if let value = fields["shared"].flatMap({ bool($0, "shared") }) { menu.shared = value }
        if let value = fields["active"].flatMap({ bool($0, "active") }) { menu.active = value }
        menu.image = fields["image"].flatMap { imagePath($0, "image") }
        if let node = fields["items"], let items = list(node, "items") {
            menu.items = items.compactMap { item($0) }
        }
        return name == nil ? nil : menu
    }

    static let itemKeys = [
        "key", "name", "translations", "aliases", "description", "price", "cost", "preparation_time_minutes",
        "availability", "featured", "tags", "ingredients", "image", "options", "renamed_from", "duration_minutes",
        "capacity",
    ]

    func item(_ node: YAMLNode) -> ItemConfig? {
        guard let fields = fields(node, "an item", allowed: FileReader.itemKeys, required: ["key", "name", "price"])
        else {
            return nil
        }
        let key = fields["key"].flatMap { self.key($0, "key") }
        let name = fields["name"].flatMap { text($0, "name") }
        let price = fields["price"].flatMap { money($0, "price") }
        var item = ItemConfig(key: key ?? "", name: name ?? "", price: price ?? 0)
        item.translations = fields["translations"].map { translations($0) } ?? [:]
        item.aliases = fields["aliases"].flatMap { texts($0, "aliases") } ?? []
        item.description = fields["description"].flatMap { text($0, "description") }
        item.cost = fields["cost"].flatMap { money($0, "cost") }
        item.preparationTimeMinutes = fields["preparation_time_minutes"].flatMap {
            integer($0, "preparation_time_minutes", in: 0...1440)
        }
        if let value = fields["availability"].flatMap({ oneOf($0, "availability", ItemAvailability.self) }) {
            item.availability = value
        }
        if let value = fields["featured"].flatMap({ bool($0, "featured") }) { item.featured = value }
        item.tags = fields["tags"].flatMap { texts($0, "tags") } ?? []
        item.ingredients = fields["ingredients"].flatMap { texts($0, "ingredients") } ?? []
        item.image = fields["image"].flatMap { imagePath($0, "image") }
        item.renamedFrom = fields["renamed_from"].flatMap { self.key($0, "renamed_from") }
        if let renamed = fields["renamed_from"], item.renamedFrom == key {
            error(renamed.mark, "invalid_rename", "renamed_from names the item's own key")
        }
        item.durationMinutes = fields["duration_minutes"].flatMap { integer($0, "duration_minutes", in: 1...1440) }
        item.capacity = fields["capacity"].flatMap { integer($0, "capacity", in: 1...10_000) }
        if let node = fields["options"], let groups = list(node, "options") {
            var keys: [String: SourceMark] = [:]
            for groupNode in groups {
                guard let group = optionGroup(groupNode, item: key) else { continue }
                if let first = keys[group.key] {
                    error(
                        groupNode.mark,
                        "duplicate_key",
                        "option group '\(group.key)' appears twice in this item (first at line \(first.line))"
                    )
                    continue
                }
                keys[group.key] = groupNode.mark
                item.options.append(group)
            }
        }
        guard let key, name != nil, price != nil else { return nil }
        // Keys are unique across the tenant's menus: here within this file, across files where the
        // tenant's files are put together.
        if let earlier = record(.item(key), node) {
            error(node.mark, "duplicate_key", "item key '\(key)' is already used at \(earlier)")
        }
        return item
    }

    private func optionGroup(_ node: YAMLNode, item: String?) -> OptionGroupConfig? {
        guard
            let fields = fields(
                node,
                "an option group",
                allowed: ["key", "name", "translations", "required", "min", "max", "choices"],
                required: ["key", "name", "choices"]
            )
        else { return nil }
        let key = fields["key"].flatMap { self.key($0, "key") }
        let name = fields["name"].flatMap { text($0, "name") }
        let required = fields["required"].flatMap { bool($0, "required") } ?? false
        let minimum = fields["min"].flatMap { integer($0, "min", in: 0...100) }
        let maximum = fields["max"].flatMap { integer($0, "max", in: 1...100) }
        var choices: [OptionChoiceConfig] = []
        var keys: [String: SourceMark] = [:]
        var choiceNodes: [String: YAMLNode] = [:]
        for choiceNode in fields["choices"].flatMap({ list($0, "choices") }) ?? [] {
            guard let choice = optionChoice(choiceNode) else { continue }
            if let first = keys[choice.key] {
                error(
                    choiceNode.mark,
                    "duplicate_key",
                    "choice '\(choice.key)' appears twice in this group (first at line \(first.line))"
                )
                continue
            }
            keys[choice.key] = choiceNode.mark
            choiceNodes[choice.key] = choiceNode
            choices.append(choice)
        }
        guard let key, let name else { return nil }
        let minChoices = minimum ?? (required ? 1 : 0)
        if required && minChoices == 0, let node = fields["min"] {
            error(node.mark, "invalid_bounds", "a required group needs min of at least 1")
        }
        if let maximum, maximum < minChoices {
            error(fields["max"]!.mark, "invalid_bounds", "max (\(maximum)) is below min (\(minChoices))")
        }
        if let maximum, maximum > choices.count, !choices.isEmpty {
            error(
                fields["max"]!.mark,
                "invalid_bounds",
                "max is \(maximum) but the group has only \(choices.count) choices"
            )
        }
        if minChoices > choices.count, !choices.isEmpty {
            error(node.mark, "invalid_bounds", "the group asks for \(minChoices) choices but has only \(choices.count)")
        }
        if choices.isEmpty, fields.has("choices") {
            error(fields["choices"]?.mark ?? node.mark, "empty_value", "an option group needs at least one choice")
        }
        var group = OptionGroupConfig(
            key: key,
            name: name,
            minChoices: minChoices,
            maxChoices: maximum
        )
        if let item {
            record(.optionGroup(item: item, group: key), node)
            for (choice, choiceNode) in choiceNodes {
                record(.optionChoice(item: item, group: key, choice: choice), choiceNode)
            }
        }
        group.translations = fields["translations"].map { translations($0) } ?? [:]
        group.choices = choices
        return group
    }

    private func optionChoice(_ node: YAMLNode) -> OptionChoiceConfig? {
        guard
            let fields = fields(
                node,
                "a choice",
                allowed: ["key", "name", "translations", "aliases", "price", "availability"],
                required: ["key", "name"]
            )
        else { return nil }
        let key = fields["key"].flatMap { self.key($0, "key") }
        let name = fields["name"].flatMap { text($0, "name") }
        let price: Decimal?
        if let node = fields["price"] { price = money(node, "price") } else { price = 0 }
        guard let key, let name, let price else { return nil }
        var choice = OptionChoiceConfig(key: key, name: name, price: price)
        choice.translations = fields["translations"].map { translations($0) } ?? [:]
        choice.aliases = fields["aliases"].flatMap { texts($0, "aliases") } ?? []
        if let value = fields["availability"].flatMap({ oneOf($0, "availability", ItemAvailability.self) }) {
            choice.availability = value
        }
        return choice
    }
}
