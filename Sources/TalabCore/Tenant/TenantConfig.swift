public import Foundation

/// A business's whole configuration as its tenant folder describes it at one commit.
public struct TenantConfig: Sendable, Hashable {
    /// The folder name under `Tenants/`, the stable key every id of the business derives from.
    public var slug: String
    public var business: BusinessConfig
    public var branches: [BranchConfig]
    public var menus: [MenuConfig]
    /// The images its menus and items name, by path inside the tenant folder.
    public var images: [String: TenantImage] = [:]
    /// Where each part was written, when it was read from files.
    public var sources = SourceMap()

    /// Its WhatsApp numbers: the business's own first, then its branches' in their order.
    public var whatsappNumbers: [WhatsAppConfig] {
        [business.whatsapp].compactMap { $0 } + branches.compactMap(\.whatsapp)
    }

    public init(slug: String, business: BusinessConfig, branches: [BranchConfig], menus: [MenuConfig]) {
        self.slug = slug
        self.business = business
        self.branches = branches
        self.menus = menus
    }

    /// Every image path its menus and items name.
    public var imagePaths: Set<String> {
        Set(menus.flatMap { menu in [menu.image].compactMap { $0 } + menu.items.compactMap(\.image) })
    }

    public var itemCount: Int { menus.reduce(0) { $0 + $1.items.count } }
}

/// An image file of a tenant: its bytes and the git blob id that names that content.
public struct TenantImage: Sendable, Hashable {
    /// The path inside the tenant folder: `images/shawarma.png`.
    public let path: String
    /// The git blob id of the bytes (SHA-1 of `blob <size>\0` and the bytes), as git names the file.
    public let blobID: String
    public let bytes: [UInt8]

    public init(path: String, blobID: String, bytes: [UInt8]) {
        self.path = path
        self.blobID = blobID
        self.bytes = bytes
    }

    /// The media type its extension names, for serving it.
    public var contentType: String {
        switch fileExtension {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "webp": return "image/webp"
        case "gif": return "image/gif"
        case "svg": return "image/svg+xml"
        default: return "application/octet-stream"
        }
    }

    /// The name's extension in lowercase when it is a plain one (`png`), else none.
    public var fileExtension: String? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        guard (1...5).contains(ext.count), ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        return ext
    }
}

/// A secret named in configuration, never written there: the reconciler reads it at apply time.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    public var description: String {
        switch self {
        case .environment(let name): return "environment variable \(name)"
        }
    }

    /// An environment variable of the process that applies the configuration.
    case environment(String)
}

public struct LocationConfig: Sendable, Hashable {
    public var city: String?
    public var street: String?
    public var building: String?
    public var floor: String?
    public var notes: String?
    public var latitude: Decimal?
    public var longitude: Decimal?

    public init(
        city: String? = nil,
        street: String? = nil,
        building: String? = nil,
        floor: String? = nil,
        notes: String? = nil,
        latitude: Decimal? = nil,
        longitude: Decimal? = nil
    ) {
        self.city = city
        self.street = street
        self.building = building
        self.floor = floor
        self.notes = notes
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A WhatsApp Business number: the business's default, or a branch's own.
public struct WhatsAppConfig: Sendable, Hashable {
    public var phoneNumber: String
    public var phoneNumberID: String
    public var accessToken: SecretReference

    public init(
        phoneNumber: String,
        phoneNumberID: String,
        accessToken: SecretReference
    ) {
        self.phoneNumber = phoneNumber
        self.phoneNumberID = phoneNumberID
        self.accessToken = accessToken
    }
}

public struct BusinessSettings: Sendable, Hashable {
    public var allowScheduledOrders = true
    public var allowDelivery = true
    public var allowTakeaway = true
    public var allowOnSite = true
    /// How a customer who writes Arabizi is answered: in Arabizi, or in Arabic script.
    public var arabiziReplies = ArabiziReplies.arabizi
    /// The utility template (created in WhatsApp Manager) that tells a customer about their order
    /// outside the 24-hour window.
    public var orderUpdateTemplate = "order_update"
    /// Minutes an order may wait to be accepted before it is cancelled and the customer told, so
    /// nobody waits for a closed kitchen; nil: orders wait until someone acts.
    public var autoRejectMinutes: Int?
    /// Whether a language model reads customers' messages behind the engine's rules (`ModelMode`).
    public var llm = ModelMode.off

    public enum ArabiziReplies: String, Sendable, Hashable, CaseIterable {
        case arabizi, arabic
    }

    public init() {}
}

public struct DateOverrideConfig: Sendable, Hashable {
    /// The calendar date, `YYYY-MM-DD`, in the business's time zone.
    public var date: String
    public var hours: DailyHours
    public var note: String?

    public init(date: String, hours: DailyHours, note: String?) {
        self.date = date
        self.hours = hours
        self.note = note
    }
}

public struct PolicyConfig: Sendable, Hashable {
    public var key: String
    public var type: PolicyType
    public var title: String?
    public var description: String

    public init(key: String, type: PolicyType, title: String?, description: String) {
        self.key = key
        self.type = type
        self.title = title
        self.description = description
    }
}

public struct BusinessConfig: Sendable, Hashable {
    public var name: String
    public var type: BusinessType
    public var defaultLanguage: Language?
    public var timezone: String
    public var currency: String
    public var contactPhoneNumber: String?
    public var email: String?
    public var location: LocationConfig?
    public var whatsapp: WhatsAppConfig?
    public var settings: BusinessSettings
    public var openingHours: [DayOfWeek: DailyHours]
    public var dateOverrides: [DateOverrideConfig]
    public var policies: [PolicyConfig]

    public init(name: String, type: BusinessType, timezone: String, currency: String) {
        self.name = name
        self.type = type
        self.timezone = timezone
        self.currency = currency
        self.settings = BusinessSettings()
        self.openingHours = [:]
        self.dateOverrides = []
        self.policies = []
    }
}

/// A distance band and the delivery fee within it.
public struct DeliveryFeeRule: Sendable, Hashable, Codable {
    public var upToKm: Decimal
    public var fee: Decimal

    public init(upToKm: Decimal, fee: Decimal) {
        self.upToKm = upToKm
        self.fee = fee
    }
}

public struct BranchConfig: Sendable, Hashable {
    public var key: String
    public var name: String
    public var active = true
    public var location: LocationConfig?
    public var contactPhoneNumber: String?
    public var whatsapp: WhatsAppConfig?
    public var minOrderValue: Decimal?
    public var avgPreparationTimeMinutes: Int?
    public var serviceRadiusKm: Decimal?
    public var deliveryFeeRules: [DeliveryFeeRule] = []
    /// Keys of the menus served here, besides the shared ones.
    public var menus: [String] = []
    /// Days whose hours differ from the business's.
    public var openingHours: [DayOfWeek: DailyHours] = [:]
    public var dateOverrides: [DateOverrideConfig] = []
    public var policies: [PolicyConfig] = []

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

public struct MenuConfig: Sendable, Hashable {
    public var key: String
    public var name: String
    public var description: String?
    public var shared = false
    public var active = true
    /// A path inside the tenant folder, such as `images/menu.jpg`.
    public var image: String?
    public var items: [ItemConfig] = []

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

public struct ItemConfig: Sendable, Hashable {
    public var key: String
    public var name: String
    public var translations: [Language: String] = [:]
    public var aliases: [String] = []
    public var description: String?
    public var price: Decimal
    public var cost: Decimal?
    public var preparationTimeMinutes: Int?
    public var availability: ItemAvailability = .available
    public var featured = false
    public var tags: [String] = []
    public var ingredients: [String] = []
    public var image: String?
    public var options: [OptionGroupConfig] = []
    /// The key this item had before, so a rename keeps its id and history.
    public var renamedFrom: String?
    /// For bookable services: how long one booking lasts, and how many can be booked at once.
    public var durationMinutes: Int?
    public var capacity: Int?

    public init(key: String, name: String, price: Decimal) {
        self.key = key
        self.name = name
        self.price = price
    }
}

/// A choice a customer makes about an item (Size, Without), with its bounds.
public struct OptionGroupConfig: Sendable, Hashable {
    public var key: String
    public var name: String
    public var translations: [Language: String] = [:]
    public var minChoices: Int
    public var maxChoices: Int?
    public var choices: [OptionChoiceConfig] = []

    public init(key: String, name: String, minChoices: Int, maxChoices: Int?) {
        self.key = key
        self.name = name
        self.minChoices = minChoices
        self.maxChoices = maxChoices
    }
}

public struct OptionChoiceConfig: Sendable, Hashable {
    public var key: String
    public var name: String
    public var translations: [Language: String] = [:]
    public var aliases: [String] = []
    /// What the choice adds to the item's price.
    public var price: Decimal
    public var availability: ItemAvailability = .available

    public init(key: String, name: String, price: Decimal) {
        self.key = key
        self.name = name
        self.price = price
    }
}
