public import Foundation

/// What the rollup reads of an order document (`OrderDocument`), live or archived.
public struct OrderRecord: Sendable, Decodable, Equatable {
    public struct Order: Sendable, Decodable, Equatable {
        public let id: UUID
        public let branchID: UUID
        public let status: String
        public let currency: String
        public let total: Decimal
        public let language: String?
        public let createdAt: Date
        public let completedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, status, currency, total, language
            case branchID = "branch_id"
            case createdAt = "created_at"
            case completedAt = "completed_at"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(UUID.self, forKey: .id)
            branchID = try container.decode(UUID.self, forKey: .branchID)
            status = try container.decode(String.self, forKey: .status)
            currency = try container.decode(String.self, forKey: .currency)
            // Money is text in the document, so it stays exact.
            guard let total = Decimal(string: try container.decode(String.self, forKey: .total)) else {
                throw DecodingError.dataCorruptedError(forKey: .total, in: container, debugDescription: "not an amount")
            }
            self.total = total
            language = try container.decodeIfPresent(String.self, forKey: .language)
            createdAt = try OrderRecord.date(container, .createdAt)
            completedAt = try container.decodeIfPresent(String.self, forKey: .completedAt).map {
                try OrderRecord.parse($0, container, .completedAt)
            }
        }
    }

    public struct Customer: Sendable, Decodable, Equatable {
        public let phoneNumber: String?
        public let whatsappUserID: String?

        enum CodingKeys: String, CodingKey {
            case phoneNumber = "phone_number"
            case whatsappUserID = "whatsapp_user_id"
        }

        /// The phone number, else the business-scoped user id (as orders identify their customer).
        public var key: String? { phoneNumber ?? whatsappUserID.map { "user:\($0)" } }
    }

    public struct Item: Sendable, Decodable, Equatable {
        public let itemID: UUID
        public let name: String
        public let quantity: Int
        /// The unit price at the time.
        public let price: Decimal
        public let options: [Option]

        public struct Option: Sendable, Decodable, Equatable {
            public let name: String?
            public let priceDelta: Decimal

            enum CodingKeys: String, CodingKey {
                case name
                case priceDelta = "price_delta"
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                priceDelta = Decimal(string: try container.decode(String.self, forKey: .priceDelta)) ?? 0
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, quantity, price, options
            case itemID = "item_id"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            itemID = try container.decode(UUID.self, forKey: .itemID)
            name = try container.decode(String.self, forKey: .name)
            quantity = try container.decode(Int.self, forKey: .quantity)
            price = Decimal(string: try container.decode(String.self, forKey: .price)) ?? 0
            options = try container.decodeIfPresent([Option].self, forKey: .options) ?? []
        }

        /// What the line came to: quantity × (price + options).
        public var revenue: Decimal { Decimal(quantity) * (price + options.reduce(0) { $0 + $1.priceDelta }) }
    }

    public let order: Order
    public let customer: Customer
    public let items: [Item]
    /// Its status changes (absent in documents that have none).
    public let timeline: [Change]?

    public struct Change: Sendable, Decodable, Equatable {
        public let status: String
        public let at: Date

        enum CodingKeys: String, CodingKey { case status, at }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(String.self, forKey: .status)
            at = try OrderRecord.date(container, .at)
        }
    }

    /// When the business accepted it, if it did.
    public var acceptedAt: Date? { timeline?.first { $0.status == "accepted" }?.at }

    /// The record of a document's JSON text.
    public static func decode(_ body: String) throws -> OrderRecord {
        try JSONDecoder().decode(OrderRecord.self, from: Data(body.utf8))
    }

    static func date<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        try parse(try container.decode(String.self, forKey: key), container, key)
    }

    /// PostgreSQL's JSON timestamps: `2026-12-05T13:02:11.123456+00:00` (fraction optional, any
    /// offset, or `Z`).
    static func parse<Key: CodingKey>(
        _ text: String,
        _ container: KeyedDecodingContainer<Key>,
        _ key: Key
    ) throws
        -> Date
    {
        guard let date = Timestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: container,
                debugDescription: "'\(text)' is not a time"
            )
        }
        return date
    }
}
