public import Foundation
public import TalabCore

/// A tenant's configuration as the reconciled database holds it, for the conversation engine: the
/// runtime answers from PostgreSQL, never from git. Deleted and inactive rows are left out.
public enum TenantCatalogLoader {
    static let business = PostgresStatement(
        "tenant.business",
        """
        SELECT slug, business_name, business_type::text AS type, timezone, currency, default_language::text AS language,
               allow_scheduled_orders, allow_delivery, allow_takeaway, allow_on_site, arabizi_replies,
               order_update_template, auto_reject_minutes, llm
        FROM users WHERE id = $1 AND user_type = 'business' AND deleted_at IS NULL
        """
    )
    static let branches = PostgresStatement(
        "tenant.branches",
        """
        SELECT b.id, b.key::text AS key, b.branch_name, b.min_order_value, b.service_radius_km,
               b.delivery_fee_rules::text AS fees, l.latitude, l.longitude
        FROM branches b LEFT JOIN locations l ON l.id = b.location_id
        WHERE b.business_id = $1 AND b.deleted_at IS NULL AND b.is_active ORDER BY b.key
        """
    )
    static let hours = PostgresStatement(
        "tenant.hours",
        """
        SELECT owner_type::text AS owner_type, owner_id, day_of_week::text AS day, is_closed,
               to_char(open_time, 'HH24:MI') AS open, to_char(close_time, 'HH24:MI') AS close
        FROM opening_hours WHERE business_id = $1 ORDER BY open_time NULLS FIRST
        """
    )
    static let overrides = PostgresStatement(
        "tenant.overrides",
        """
        SELECT owner_type::text AS owner_type, owner_id, date::text AS date, is_closed, note,
               to_char(open_time, 'HH24:MI') AS open, to_char(close_time, 'HH24:MI') AS close
        FROM date_overrides WHERE business_id = $1 ORDER BY date, open_time NULLS FIRST
        """
    )
    static let policies = PostgresStatement(
        "tenant.policies",
        """
        SELECT owner_type::text AS owner_type, owner_id, key::text AS key, policy_type::text AS type, title, description
        FROM policies WHERE business_id = $1 AND deleted_at IS NULL ORDER BY key
        """
    )
    static let items = PostgresStatement(
        "tenant.items",
        """
        SELECT m.key::text AS menu_key, m.name AS menu_name, m.is_shared, i.id, i.key::text AS key, i.name, i.price,
               i.availability::text AS availability, i.translations::text AS translations, i.aliases,
               i.duration_minutes, i.capacity
        FROM menus m JOIN items i ON i.menu_id = m.id AND i.deleted_at IS NULL
        WHERE m.business_id = $1 AND m.deleted_at IS NULL AND m.is_active ORDER BY m.key, i.position
        """
    )
    static let options = PostgresStatement(
        "tenant.options",
        """
        SELECT g.item_id, g.id AS group_id, g.key::text AS group_key, g.name AS group_name, g.min_choices, g.max_choices,
               o.key::text AS key, o.name, o.price_delta, o.availability::text AS availability,
               o.translations::text AS translations, o.aliases
        FROM items i JOIN item_option_groups g ON g.item_id = i.id AND g.deleted_at IS NULL
        JOIN item_options o ON o.group_id = g.id AND o.deleted_at IS NULL
        WHERE i.business_id = $1 AND i.deleted_at IS NULL ORDER BY g.item_id, g.position, o.position
        """
    )

    public static func load(business id: UUID, on connection: PostgresConnection) async throws -> TenantConfig? {
        guard let row = try await connection.query(business, [id]).first,
            let type = BusinessType(rawValue: try row.decode(String.self, "type"))
        else { return nil }
        var config = BusinessConfig(
            name: try row.decode(String.self, "business_name"),
            type: type,
            timezone: try row.decode(String.self, "timezone"),
            currency: try row.decode(String.self, "currency")
        )
        config.defaultLanguage = try row.decode(String?.self, "language").flatMap(Language.init(rawValue:))
        config.settings.allowScheduledOrders = try row.decode(Bool.self, "allow_scheduled_orders")
        config.settings.allowDelivery = try row.decode(Bool.self, "allow_delivery")
        config.settings.allowTakeaway = try row.decode(Bool.self, "allow_takeaway")
        config.settings.allowOnSite = try row.decode(Bool.self, "allow_on_site")
        config.settings.arabiziReplies =
            BusinessSettings.ArabiziReplies(rawValue: try row.decode(String.self, "arabizi_replies")) ?? .arabizi
        config.settings.orderUpdateTemplate = try row.decode(String.self, "order_update_template")
        config.settings.autoRejectMinutes = try row.decode(Int?.self, "auto_reject_minutes")
        config.settings.llm = ModelMode(rawValue: try row.decode(String.self, "llm")) ?? .off

        var branchIDs: [UUID: Int] = [:]
        var branches: [BranchConfig] = []
        for row in try await connection.query(TenantCatalogLoader.branches, [id]) {
            var branch = BranchConfig(
                key: try row.decode(String.self, "key"),
                name: try row.decode(String.self, "branch_name")
            )
            branch.minOrderValue = try row.decode(Decimal?.self, "min_order_value")
            branch.serviceRadiusKm = try row.decode(Decimal?.self, "service_radius_km")
            branch.deliveryFeeRules = feeRules(try row.decode(String?.self, "fees"))
            if let latitude = try row.decode(Decimal?.self, "latitude"),
                let longitude = try row.decode(Decimal?.self, "longitude")
            {
                branch.location = LocationConfig(latitude: latitude, longitude: longitude)
            }
            branchIDs[try row.decode(UUID.self, "id")] = branches.count
            branches.append(branch)
        }
        for row in try await connection.query(hours, [id]) {
            guard let day = DayOfWeek(rawValue: try row.decode(String.self, "day")) else { continue }
            let interval = try self.interval(row)
            let owner = try row.decode(UUID.self, "owner_id")
            if try row.decode(String.self, "owner_type") == "branch", let index = branchIDs[owner] {
                branches[index].openingHours[day] = merged(branches[index].openingHours[day], interval)
            } else if owner == id {
                config.openingHours[day] = merged(config.openingHours[day], interval)
            }
        }
        for row in try await connection.query(overrides, [id]) {
            let date = try row.decode(String.self, "date")
            let interval = try self.interval(row)
            let owner = try row.decode(UUID.self, "owner_id")
            let note = try row.decode(String?.self, "note")
            if try row.decode(String.self, "owner_type") == "branch", let index = branchIDs[owner] {
                branches[index].dateOverrides = add(interval, on: date, note: note, to: branches[index].dateOverrides)
            } else if owner == id {
                config.dateOverrides = add(interval, on: date, note: note, to: config.dateOverrides)
            }
        }
        for row in try await connection.query(policies, [id]) {
            guard let type = PolicyType(rawValue: try row.decode(String.self, "type")) else { continue }
            let policy = PolicyConfig(
                key: try row.decode(String.self, "key"),
                type: type,
                title: try row.decode(String?.self, "title"),
                description: try row.decode(String.self, "description")
            )
            let owner = try row.decode(UUID.self, "owner_id")
            if try row.decode(String.self, "owner_type") == "branch", let index = branchIDs[owner] {
                branches[index].policies.append(policy)
            } else if owner == id {
                config.policies.append(policy)
            }
        }

        var choices: [UUID: [OptionGroupConfig]] = [:]
        var groupIndex: [UUID: Int] = [:]
        for row in try await connection.query(options, [id]) {
            let item = try row.decode(UUID.self, "item_id")
            let group = try row.decode(UUID.self, "group_id")
            if groupIndex[group] == nil {
                groupIndex[group] = choices[item, default: []].count
                choices[item, default: []].append(
                    OptionGroupConfig(
                        key: try row.decode(String.self, "group_key"),
                        name: try row.decode(String.self, "group_name"),
                        minChoices: try row.decode(Int.self, "min_choices"),
                        maxChoices: try row.decode(Int?.self, "max_choices")
                    )
                )
            }
            var choice = OptionChoiceConfig(
                key: try row.decode(String.self, "key"),
                name: try row.decode(String.self, "name"),
                price: try row.decode(Decimal.self, "price_delta")
            )
            choice.aliases = try row.decode([String].self, "aliases")
            choice.translations = translations(try row.decode(String?.self, "translations"))
            choice.availability = ItemAvailability(rawValue: try row.decode(String.self, "availability")) ?? .available
            choices[item]?[groupIndex[group] ?? 0].choices.append(choice)
        }
        var menus: [MenuConfig] = []
        for row in try await connection.query(items, [id]) {
            let menuKey = try row.decode(String.self, "menu_key")
            if menus.last?.key != menuKey {
                var menu = MenuConfig(key: menuKey, name: try row.decode(String.self, "menu_name"))
                menu.shared = try row.decode(Bool.self, "is_shared")
                menus.append(menu)
            }
            var item = ItemConfig(
                key: try row.decode(String.self, "key"),
                name: try row.decode(String.self, "name"),
                price: try row.decode(Decimal.self, "price")
            )
            item.availability = ItemAvailability(rawValue: try row.decode(String.self, "availability")) ?? .available
            item.translations = translations(try row.decode(String?.self, "translations"))
            item.aliases = try row.decode([String].self, "aliases")
            item.durationMinutes = try row.decode(Int?.self, "duration_minutes")
            item.capacity = try row.decode(Int?.self, "capacity")
            item.options = choices[try row.decode(UUID.self, "id")] ?? []
            menus[menus.count - 1].items.append(item)
        }
        return TenantConfig(
            slug: try row.decode(String.self, "slug"),
            business: config,
            branches: branches,
            menus: menus
        )
    }

    static func interval(_ row: PostgresRow) throws -> OpeningInterval? {
        guard try !row.decode(Bool.self, "is_closed"),
            let open = try row.decode(String?.self, "open").flatMap(TimeOfDay.init),
            let close = try row.decode(String?.self, "close").flatMap(TimeOfDay.init)
        else { return nil }
        return OpeningInterval(open: open, close: close)
    }

    static func merged(_ hours: DailyHours?, _ interval: OpeningInterval?) -> DailyHours {
        guard let interval else { return hours ?? .closed }
        if case .open(let intervals) = hours { return .open(intervals + [interval]) }
        return .open([interval])
    }

    static func add(
        _ interval: OpeningInterval?,
        on date: String,
        note: String?,
        to overrides: [DateOverrideConfig]
    )
        -> [DateOverrideConfig]
    {
        var overrides = overrides
        if let index = overrides.firstIndex(where: { $0.date == date }) {
            overrides[index].hours = merged(overrides[index].hours, interval)
        } else {
            overrides.append(DateOverrideConfig(date: date, hours: merged(nil, interval), note: note))
        }
        return overrides
    }

    static func translations(_ json: String?) -> [Language: String] {
        guard let json, let table = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else {
            return [:]
        }
        var result: [Language: String] = [:]
        for (key, value) in table { if let language = Language(rawValue: key) { result[language] = value } }
        return result
    }

    static func feeRules(_ json: String?) -> [DeliveryFeeRule] {
        struct Rule: Decodable {
            let upToKm: String
            let fee: String
            enum CodingKeys: String, CodingKey {
                case upToKm = "up_to_km"
                case fee
            }
        }
        guard let json, let rules = try? JSONDecoder().decode([Rule].self, from: Data(json.utf8)) else { return [] }
        return rules.compactMap { rule in
            guard let upTo = Decimal(string: rule.upToKm), let fee = Decimal(string: rule.fee) else { return nil }
            return DeliveryFeeRule(upToKm: upTo, fee: fee)
        }
    }
}
