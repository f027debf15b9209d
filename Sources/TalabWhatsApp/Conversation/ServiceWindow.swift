public import Foundation
public import TalabStore

/// WhatsApp's customer-service window: free-form replies are allowed for 24 hours after the
/// customer's last message; after that only a template. From the customer's latest message time
/// (`whatsapp_customers.last_inbound_at`), kept as messages are received.
public enum ServiceWindow {
    public static let length: TimeInterval = 24 * 60 * 60

    /// When the customer's window closes (or closed); nil when they never wrote.
    public static func closesAt(customer: UUID, on connection: PostgresConnection) async throws -> Date? {
        try await WhatsAppCustomers.lastInbound(of: customer, on: connection).map { $0.addingTimeInterval(length) }
    }

    /// Whether a free-form message may be sent to the customer at `date`.
    public static func isOpen(
        customer: UUID,
        at date: Date = Date(),
        on connection: PostgresConnection
    ) async throws
        -> Bool
    {
        try await closesAt(customer: customer, on: connection).map { $0 > date } ?? false
    }
}
