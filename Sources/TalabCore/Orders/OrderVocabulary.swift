/// The life of an order, from the customer's confirmation to its end.
public enum OrderStatus: String, Sendable, CaseIterable, Codable {
    case pending
    case accepted
    case preparing
    case ready
    case completed
    case cancelled
}

/// How the customer receives the order.
public enum DeliveryType: String, Sendable, CaseIterable, Codable {
    case takeaway
    case delivery
    case onSite = "on_site"
}

/// The channel an order came through.
public enum OrderSource: String, Sendable, CaseIterable, Codable {
    case whatsapp
}

/// Whether a logged message came from the customer or went to them.
public enum MessageDirection: String, Sendable, CaseIterable, Codable {
    case inbound
    case outbound
}

/// How the customer pays.
public enum PaymentMethod: String, Sendable, CaseIterable, Codable {
    case cash
    case card
    case wallet
    case unknown
}

/// Whether the order has been paid.
public enum PaymentStatus: String, Sendable, CaseIterable, Codable {
    case unpaid
    case paid
    case refunded
}

/// Who moved an order to a new status.
public enum StatusChangedBy: String, Sendable, CaseIterable, Codable {
    case system
    case business
    case customer
}
