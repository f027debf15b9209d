/// Who a row in `users` is: the platform's staff, a business, or a customer.
public enum UserType: String, Sendable, CaseIterable, Codable {
    case admin
    case business
    case customer
}

/// The kind of business, which decides what its items mean (dishes, court slots, salon services).
public enum BusinessType: String, Sendable, CaseIterable, Codable {
    case restaurant
    case sportsCourt = "sports_court"
    case salon
    case other
}

/// The languages customers write in; Arabizi is Lebanese Arabic in Latin letters and digits.
public enum Language: String, Sendable, CaseIterable, Codable {
    case arabic
    case arabizi
    case english
    case french
}

/// The platform plan a business pays for; premium unlocks analytics.
public enum SubscriptionType: String, Sendable, CaseIterable, Codable {
    case standard
    case premium
}

/// Where a business stands with its payments to the platform.
public enum SubscriptionStatus: String, Sendable, CaseIterable, Codable {
    case active
    case pastDue = "past_due"
    case canceled
}

/// Whether hours, overrides or a policy belong to the whole business or to one branch.
public enum OwnerType: String, Sendable, CaseIterable, Codable {
    case business
    case branch
}

/// The days of the week, named as the schema and the tenant files name them.
public enum DayOfWeek: String, Sendable, CaseIterable, Codable {
    case monday
    case tuesday
    case wednesday
    case thursday
    case friday
    case saturday
    case sunday
}

/// The kinds of policy a business publishes to its customers.
public enum PolicyType: String, Sendable, CaseIterable, Codable {
    case delivery
    case refund
    case cancellation
    case custom
}
