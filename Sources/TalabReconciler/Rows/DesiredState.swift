public import Foundation
public import TalabCore

/// The rows a tenant's configuration asks for, with stable ids and the file position of each.
public enum DesiredState {
    /// The rows of a tenant. `existingItems` maps the keys of items already in the database to their
    /// ids, so an item with `renamed_from` keeps the id (and the order history) of its old key.
    /// `secrets` holds the value of each secret the tenant names, by reference; `imageURLs` the URL
    /// of each image it names, by path.
    public static func rows(
        for tenant: TenantConfig,
        existingItems: [String: UUID] = [:],
        secrets: [SecretReference: String] = [:],
        imageURLs: [String: String] = [:]
    ) -> [ConfigRow] {
        var builder = RowBuilder(slug: tenant.slug, existingItems: existingItems, secrets: secrets)
        builder.imageURLs = imageURLs
        builder.add(tenant)
        return builder.rows
    }

    /// An item's id: the one its old key had when renamed, the one its key has, or a new stable one.
    static func itemID(slug: String, item: ItemConfig, existing: [String: UUID]) -> UUID {
        if let old = item.renamedFrom, let id = existing[old] { return id }
        return existing[item.key] ?? StableID.make("\(slug)/item/\(item.key)")
    }

    /// The id of a tenant's business row.
    public static func businessID(_ slug: String) -> UUID { StableID.make("\(slug)/business") }
}

private struct RowBuilder {
    let slug: String
    let existingItems: [String: UUID]
    let secrets: [SecretReference: String]
    var imageURLs: [String: String] = [:]
    var rows: [ConfigRow] = []
    /// Where the tenant's parts are written, for the rows made of them.
    var sources = SourceMap()

    init(slug: String, existingItems: [String: UUID], secrets: [SecretReference: String]) {
        self.slug = slug
        self.existingItems = existingItems
        self.secrets = secrets
    }

    func token(_ whatsapp: WhatsAppConfig?) -> ColumnValue {
        guard let reference = whatsapp?.accessToken, let value = secrets[reference] else { return .null }
        return .secret(value)
    }

    func image(_ path: String?) -> ColumnValue { text(path.flatMap { imageURLs[$0] }) }

    func id(_ name: String) -> UUID { StableID.make("\(slug)/\(name)") }

    mutating func row(
        _ table: ConfigTable,
        _ name: String,
        _ label: String,
        _ source: SourceLocation?,
        _ values: [String: ColumnValue],
        id explicit: UUID? = nil
    ) -> UUID {
        let id = explicit ?? id(name)
        rows.append(ConfigRow(table: table, id: id, slug: slug, label: label, values: values, source: source))
        return id
    }

    mutating func add(_ tenant: TenantConfig) {
        sources = tenant.sources
        let business = tenant.business
        let businessID = DesiredState.businessID(slug)
        let locationID = business.location.map { location(businessID, "business", $0, sources[.business]) }
        _ = row(
            .businesses,
            "business",
            "business \(slug)",
            sources[.business],
            [
                "user_type": .text("business"), "slug": .text(slug), "business_name": .text(business.name),
                "business_type": .text(business.type.rawValue),
                "default_language": text(business.defaultLanguage?.rawValue),
                "timezone": .text(business.timezone), "currency": .text(business.currency),
                "contact_phone_number": text(business.contactPhoneNumber), "email": text(business.email),
                "location_id": locationID.map(ColumnValue.uuid) ?? .null,
                "whatsapp_phone_number": text(business.whatsapp?.phoneNumber),
                "whatsapp_phone_number_id": text(business.whatsapp?.phoneNumberID),
                "whatsapp_access_token_encrypted": token(business.whatsapp),
                "allow_scheduled_orders": .boolean(business.settings.allowScheduledOrders),
                "allow_delivery": .boolean(business.settings.allowDelivery),
                "allow_takeaway": .boolean(business.settings.allowTakeaway),
                "allow_on_site": .boolean(business.settings.allowOnSite),
                "arabizi_replies": .text(business.settings.arabiziReplies.rawValue),
                "order_update_template": .text(business.settings.orderUpdateTemplate),
                "auto_reject_minutes": business.settings.autoRejectMinutes.map(ColumnValue.integer) ?? .null,
                "llm": .text(business.settings.llm.rawValue),
            ]
        )
        let owner = Owner(type: "business", id: businessID, name: "business", branch: nil)
        schedule(businessID, owner: owner, business.openingHours, business.dateOverrides)
        policies(businessID, owner: owner, business.policies)
        var menuIDs: [String: UUID] = [:]
        for menu in tenant.menus {
            menuIDs[menu.key] = self.menu(businessID, menu)
        }
        for branch in tenant.branches {
            self.branch(businessID, branch, tenant: tenant, menuIDs: menuIDs)
        }
    }

    mutating func location(
        _ businessID: UUID,
        _ key: String,
        _ location: LocationConfig,
        _ source: SourceLocation?
    ) -> UUID {
        row(
            .locations,
            "location/\(key)",
            "location \(key)",
            source,
            [
                "business_id": .uuid(businessID), "key": .text(key), "city": text(location.city),
                "street": text(location.street), "building": text(location.building), "floor": text(location.floor),
                "notes": text(location.notes), "latitude": decimal(location.latitude),
                "longitude": decimal(location.longitude),
            ]
        )
    }

    mutating func branch(_ businessID: UUID, _ branch: BranchConfig, tenant: TenantConfig, menuIDs: [String: UUID]) {
        let locationID = branch.location.map {
            location(businessID, "branch-\(branch.key)", $0, sources[.branch(branch.key)])
        }
        let fees = branch.deliveryFeeRules.map { [("up_to_km", $0.upToKm.description), ("fee", $0.fee.description)] }
        let branchID = row(
            .branches,
            "branch/\(branch.key)",
            "branch \(branch.key)",
            sources[.branch(branch.key)],
            [
                "business_id": .uuid(businessID), "key": .text(branch.key), "branch_name": .text(branch.name),
                "location_id": locationID.map(ColumnValue.uuid) ?? .null,
                "contact_phone_number": text(branch.contactPhoneNumber), "is_active": .boolean(branch.active),
                "whatsapp_phone_number": text(branch.whatsapp?.phoneNumber),
                "whatsapp_phone_number_id": text(branch.whatsapp?.phoneNumberID),
                "whatsapp_access_token_encrypted": token(branch.whatsapp),
                "min_order_value": decimal(branch.minOrderValue),
                "avg_preparation_time_minutes": branch.avgPreparationTimeMinutes.map(ColumnValue.integer) ?? .null,
                "service_radius_km": decimal(branch.serviceRadiusKm),
                "delivery_fee_rules": fees.isEmpty ? .null : .json(JSONBText.array(fees)),
            ]
        )
        let served = Set(branch.menus).union(tenant.menus.filter(\.shared).map(\.key))
        for menuKey in served.sorted() {
            guard let menuID = menuIDs[menuKey] else { continue }
            _ = row(
                .branchMenus,
                "branch/\(branch.key)/menu/\(menuKey)",
                "branch_menu \(branch.key)/\(menuKey)",
                sources[.branch(branch.key)],
                ["branch_id": .uuid(branchID), "menu_id": .uuid(menuID)]
            )
        }
        let owner = Owner(type: "branch", id: branchID, name: "branch-\(branch.key)", branch: branch.key)
        schedule(businessID, owner: owner, branch.openingHours, branch.dateOverrides)
        policies(businessID, owner: owner, branch.policies)
    }

    mutating func menu(_ businessID: UUID, _ menu: MenuConfig) -> UUID {
        let menuID = row(
            .menus,
            "menu/\(menu.key)",
            "menu \(menu.key)",
            sources[.menu(menu.key)],
            [
                "business_id": .uuid(businessID), "key": .text(menu.key), "name": .text(menu.name),
                "description": text(menu.description), "is_shared": .boolean(menu.shared),
                "is_active": .boolean(menu.active), "menu_image_url": image(menu.image),
            ]
        )
        for (position, item) in menu.items.enumerated() {
            self.item(businessID, menuID, item, position: position)
        }
        return menuID
    }

    mutating func item(_ businessID: UUID, _ menuID: UUID, _ item: ItemConfig, position: Int) {
        // Children's ids derive from the item's id, so a renamed item keeps its options' ids too.
        let resolved = DesiredState.itemID(slug: slug, item: item, existing: existingItems)
        let itemName = "item/\(resolved.lowercasedText)"
        let itemID = row(
            .items,
            itemName,
            "item \(item.key)",
            sources[.item(item.key)],
            [
                "business_id": .uuid(businessID), "menu_id": .uuid(menuID), "key": .text(item.key),
                "name": .text(item.name), "description": text(item.description), "price": .decimal(item.price),
                "cost": decimal(item.cost),
                "preparation_time_minutes": item.preparationTimeMinutes.map(ColumnValue.integer) ?? .null,
                "availability": .text(item.availability.rawValue), "is_featured": .boolean(item.featured),
                "tags": .texts(item.tags), "translations": translations(item.translations),
                "aliases": .texts(item.aliases),
                "duration_minutes": item.durationMinutes.map(ColumnValue.integer) ?? .null,
                "capacity": item.capacity.map(ColumnValue.integer) ?? .null, "position": .integer(position),
                "item_image_url": image(item.image),
            ],
            id: resolved
        )
        for (groupPosition, group) in item.options.enumerated() {
            let groupID = row(
                .optionGroups,
                "\(itemName)/option/\(group.key)",
                "option_group \(item.key)/\(group.key)",
                sources[.optionGroup(item: item.key, group: group.key)],
                [
                    "item_id": .uuid(itemID), "key": .text(group.key), "name": .text(group.name),
                    "translations": translations(group.translations), "min_choices": .integer(group.minChoices),
                    "max_choices": group.maxChoices.map(ColumnValue.integer) ?? .null,
                    "position": .integer(groupPosition),
                ]
            )
            for (choicePosition, choice) in group.choices.enumerated() {
                _ = row(
                    .options,
                    "\(itemName)/option/\(group.key)/\(choice.key)",
                    "option \(item.key)/\(group.key)/\(choice.key)",
                    sources[.optionChoice(item: item.key, group: group.key, choice: choice.key)],
                    [
                        "item_id": .uuid(itemID), "group_id": .uuid(groupID), "key": .text(choice.key),
                        "name": .text(choice.name), "translations": translations(choice.translations),
                        "aliases": .texts(choice.aliases), "price_delta": .decimal(choice.price),
                        "availability": .text(choice.availability.rawValue), "position": .integer(choicePosition),
                    ]
                )
            }
        }
        for ingredient in Set(item.ingredients).sorted() {
            _ = row(
                .ingredients,
                "\(itemName)/ingredient/\(ingredient)",
                "ingredient \(item.key)/\(ingredient)",
                sources[.item(item.key)],
                ["item_id": .uuid(itemID), "ingredient_name": .text(ingredient)]
            )
        }
    }

    mutating func schedule(
        _ businessID: UUID,
        owner: Owner,
        _ hours: [DayOfWeek: DailyHours],
        _ overrides: [DateOverrideConfig]
    ) {
        for day in DayOfWeek.allCases {
            guard let daily = hours[day] else { continue }
            let stretches: [OpeningInterval?] = {
                if case .open(let intervals) = daily { return intervals }
                return [nil]
            }()
            for (index, stretch) in stretches.enumerated() {
                _ = row(
                    .openingHours,
                    "hours/\(owner.name)/\(day.rawValue)/\(index)",
                    "opening_hours \(owner.name)/\(day.rawValue)",
                    nil,
                    [
                        "business_id": .uuid(businessID), "owner_type": .text(owner.type), "owner_id": .uuid(owner.id),
                        "day_of_week": .text(day.rawValue), "open_time": text(stretch?.open.description),
                        "close_time": text(stretch?.close.description), "is_closed": .boolean(stretch == nil),
                    ]
                )
            }
        }
        for override in overrides {
            let stretch: OpeningInterval? = {
                if case .open(let intervals) = override.hours { return intervals.first }
                return nil
            }()
            _ = row(
                .dateOverrides,
                "date/\(owner.name)/\(override.date)",
                "date_override \(owner.name)/\(override.date)",
                sources[.dateOverride(branch: owner.branch, date: override.date)],
                [
                    "business_id": .uuid(businessID), "owner_type": .text(owner.type), "owner_id": .uuid(owner.id),
                    "date": .text(override.date), "is_closed": .boolean(stretch == nil),
                    "open_time": text(stretch?.open.description), "close_time": text(stretch?.close.description),
                    "note": text(override.note),
                ]
            )
        }
    }

    mutating func policies(
        _ businessID: UUID,
        owner: Owner,
        _ policies: [PolicyConfig]
    ) {
        for policy in policies {
            _ = row(
                .policies,
                "policy/\(owner.name)/\(policy.key)",
                "policy \(owner.name)/\(policy.key)",
                sources[.policy(branch: owner.branch, key: policy.key)],
                [
                    "business_id": .uuid(businessID), "owner_type": .text(owner.type), "owner_id": .uuid(owner.id),
                    "key": .text(policy.key), "policy_type": .text(policy.type.rawValue), "title": text(policy.title),
                    "description": .text(policy.description),
                ]
            )
        }
    }

    /// Whose hours, overrides and policies: the business's or a branch's.
    struct Owner {
        let type: String
        let id: UUID
        let name: String
        let branch: String?
    }

    func text(_ value: String?) -> ColumnValue { value.map(ColumnValue.text) ?? .null }
    func decimal(_ value: Decimal?) -> ColumnValue { value.map(ColumnValue.decimal) ?? .null }

    func translations(_ values: [Language: String]) -> ColumnValue {
        .json(JSONBText.object(values.map { ($0.key.rawValue, $0.value) }))
    }
}
