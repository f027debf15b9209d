/// A table the reconciler owns rows of, and the columns it manages there.
///
/// Table and column names are constants of this file, never user input: SQL built from them binds
/// every value as a parameter.
public final class ConfigTable: Sendable, Hashable {
    // A class: every row carries its table, and a reference costs one retain where a struct of
    // arrays and strings costs one per field.
    public static func == (lhs: ConfigTable, rhs: ConfigTable) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public enum Kind: Sendable, Hashable {
        case text
        /// An enum or other type read back as its text.
        case enumText
        case integer
        case boolean
        case decimal
        case uuid
        case texts
        case json
        /// `time`, exchanged as `HH:MM`.
        case time
        /// `date`, exchanged as `YYYY-MM-DD`.
        case date
        /// Text sealed with AES-256-GCM; compared by its plaintext, never shown.
        case secret
    }

    public struct Column: Sendable, Hashable {
        public let name: String
        public let kind: Kind
    }

    public let name: String
    /// The entity's name in plans and audit records: `item`, `branch`, `opening_hours`.
    public let entity: String
    /// Whether removal sets `deleted_at` (history may point at the row) or deletes it.
    public let softDelete: Bool
    /// How a row reaches its business: a join to the parent table, if any, and the business id column.
    let parentJoin: String
    let businessColumn: String
    public let columns: [Column]

    init(
        _ name: String,
        _ entity: String,
        softDelete: Bool,
        business: (join: String, column: String),
        _ columns: [(String, Kind)]
    ) {
        self.name = name
        self.entity = entity
        self.softDelete = softDelete
        self.parentJoin = business.join
        self.businessColumn = business.column
        self.columns = columns.map { Column(name: $0.0, kind: $0.1) }
    }

    static let byBusiness = (join: "", column: "t.business_id")
    static let byItem = (join: "JOIN items parent ON parent.id = t.item_id", column: "parent.business_id")

    public static let businesses = ConfigTable(
        "users",
        "business",
        softDelete: true,
        business: (join: "", column: "t.id"),
        [
            ("user_type", .enumText), ("slug", .text), ("business_name", .text), ("business_type", .enumText),
            ("default_language", .enumText), ("timezone", .text), ("currency", .text),
            ("contact_phone_number", .text), ("email", .text), ("location_id", .uuid),
            ("whatsapp_phone_number", .text), ("whatsapp_phone_number_id", .text),
            ("whatsapp_access_token_encrypted", .secret), ("allow_scheduled_orders", .boolean),
            ("allow_delivery", .boolean), ("allow_takeaway", .boolean),
            ("allow_on_site", .boolean), ("arabizi_replies", .text), ("order_update_template", .text),
            ("auto_reject_minutes", .integer), ("llm", .text),
        ]
    )
    public static let locations = ConfigTable(
        "locations",
        "location",
        softDelete: true,
        business: byBusiness,
        [
            ("business_id", .uuid), ("key", .text), ("city", .text), ("street", .text), ("building", .text),
            ("floor", .text), ("notes", .text), ("latitude", .decimal), ("longitude", .decimal),
        ]
    )
    public static let branches = ConfigTable(
        "branches",
        "branch",
        softDelete: true,
        business: byBusiness,
        [
            ("business_id", .uuid), ("key", .text), ("branch_name", .text), ("location_id", .uuid),
            ("contact_phone_number", .text), ("is_active", .boolean), ("whatsapp_phone_number", .text),
            ("whatsapp_phone_number_id", .text), ("whatsapp_access_token_encrypted", .secret),
            ("min_order_value", .decimal),
            ("avg_preparation_time_minutes", .integer), ("service_radius_km", .decimal),
            ("delivery_fee_rules", .json),
        ]
    )
    public static let menus = ConfigTable(
        "menus",
        "menu",
        softDelete: true,
        business: byBusiness,
        [
            ("business_id", .uuid), ("key", .text), ("name", .text), ("description", .text), ("is_shared", .boolean),
            ("is_active", .boolean), ("menu_image_url", .text),
        ]
    )
    public static let branchMenus = ConfigTable(
        "branch_menus",
        "branch_menu",
        softDelete: false,
        business: (join: "JOIN branches parent ON parent.id = t.branch_id", column: "parent.business_id"),
        [("branch_id", .uuid), ("menu_id", .uuid)]
    )
    public static let items = ConfigTable(
        "items",
        "item",
        softDelete: true,
        business: byBusiness,
        [
            ("business_id", .uuid), ("menu_id", .uuid), ("key", .text), ("name", .text), ("description", .text),
            ("price", .decimal), ("cost", .decimal), ("preparation_time_minutes", .integer),
            ("availability", .enumText), ("is_featured", .boolean), ("tags", .texts), ("translations", .json),
            ("aliases", .texts), ("duration_minutes", .integer), ("capacity", .integer), ("position", .integer),
            ("item_image_url", .text),
        ]
    )
    public static let optionGroups = ConfigTable(
        "item_option_groups",
        "option_group",
        softDelete: true,
        business: byItem,
        [
            ("item_id", .uuid), ("key", .text), ("name", .text), ("translations", .json), ("min_choices", .integer),
            ("max_choices", .integer), ("position", .integer),
        ]
    )
    public static let options = ConfigTable(
        "item_options",
        "option",
        softDelete: true,
        business: byItem,
        [
            ("item_id", .uuid), ("group_id", .uuid), ("key", .text), ("name", .text), ("translations", .json),
            ("aliases", .texts), ("price_delta", .decimal), ("availability", .enumText), ("position", .integer),
        ]
    )
    public static let ingredients = ConfigTable(
        "item_ingredients",
        "ingredient",
        softDelete: false,
        business: byItem,
        [("item_id", .uuid), ("ingredient_name", .text)]
    )
    public static let openingHours = ConfigTable(
        "opening_hours",
        "opening_hours",
        softDelete: false,
        business: byBusiness,
        [
            ("business_id", .uuid), ("owner_type", .enumText), ("owner_id", .uuid), ("day_of_week", .enumText),
            ("open_time", .time), ("close_time", .time), ("is_closed", .boolean),
        ]
    )
    public static let dateOverrides = ConfigTable(
        "date_overrides",
        "date_override",
        softDelete: false,
        business: byBusiness,
        [
            ("business_id", .uuid), ("owner_type", .enumText), ("owner_id", .uuid), ("date", .date),
            ("is_closed", .boolean), ("open_time", .time), ("close_time", .time), ("note", .text),
        ]
    )
    public static let policies = ConfigTable(
        "policies",
        "policy",
        softDelete: true,
        business: byBusiness,
        [
            ("business_id", .uuid), ("owner_type", .enumText), ("owner_id", .uuid), ("key", .text),
            ("policy_type", .enumText), ("title", .text), ("description", .text),
        ]
    )

    /// Parents before children: creates run in this order, deletes in the reverse.
    public static let all: [ConfigTable] = [
        businesses, locations, branches, menus, branchMenus, items, optionGroups, options, ingredients,
        openingHours, dateOverrides, policies,
    ]
}
