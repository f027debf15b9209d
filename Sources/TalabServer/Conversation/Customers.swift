import Foundation
import TalabStore

/// Customers per business, known by business-scoped user id when WhatsApp gives one, else by phone.
enum Customers {
    static let byUserID = PostgresStatement(
        "customers.by_user_id",
        "SELECT id, user_id, wa_id, profile_name FROM whatsapp_customers WHERE business_id = $1 AND user_id = $2"
    )
    /// A phone-known customer, not yet tied to another user id.
    static let byWaID = PostgresStatement(
        "customers.by_wa_id",
        """
        SELECT id, user_id, wa_id, profile_name FROM whatsapp_customers
        WHERE business_id = $1 AND wa_id = $2 AND ($3::text IS NULL OR user_id IS NULL)
        ORDER BY created_at LIMIT 1
        """
    )
    static let touch = PostgresStatement(
        "customers.touch",
        """
        UPDATE whatsapp_customers SET user_id = coalesce($2, user_id), wa_id = coalesce($3, wa_id),
            profile_name = coalesce($4, profile_name), username = coalesce($5, username),
            last_inbound_at = now(), updated_at = now()
        WHERE id = $1 RETURNING id, user_id, wa_id, profile_name
        """
    )
    static let insert = PostgresStatement(
        "customers.insert",
        """
        INSERT INTO whatsapp_customers (business_id, user_id, wa_id, profile_name, username, last_inbound_at)
        VALUES ($1, $2, $3, $4, $5, now()) RETURNING id, user_id, wa_id, profile_name
        """
    )
    static let changeNumber = PostgresStatement(
        "customers.change_number",
        "UPDATE whatsapp_customers SET wa_id = $2, updated_at = now() WHERE id = $1"
    )
    static let changeUserID = PostgresStatement(
        "customers.change_user_id",
        "UPDATE whatsapp_customers SET user_id = $2, updated_at = now() WHERE id = $1"
    )

    static func identify(
        business: UUID,
        userID: String?,
        waID: String?,
        name: String?,
        username: String?,
        on connection: PostgresConnection
    ) async throws -> WhatsAppCustomer {
        var found: UUID?
        if let userID {
            found = try await connection.query(byUserID, [business, userID]).first?.decode(UUID.self, "id")
        }
        if found == nil, let waID {
            found = try await connection.query(byWaID, [business, waID, userID]).first?.decode(UUID.self, "id")
        }
        let rows =
            if let found {
                try await connection.query(touch, [found, userID, waID, name, username])
            } else {
                try await connection.query(insert, [business, userID, waID, name, username])
            }
        return try customer(rows[0])
    }

    /// A change of number or of user id that WhatsApp reports: same customer, same history.
    static func apply(
        _ system: InboundMessage.System,
        to customer: WhatsAppCustomer,
        business: UUID,
        on connection: PostgresConnection
    ) async throws {
        switch system.type {
        case "user_changed_number":
            if let number = system.newWaID { try await connection.query(changeNumber, [customer.id, number]) }
        case "user_changed_user_id":
            if let id = system.newUserID { try await connection.query(changeUserID, [customer.id, id]) }
        default: break
        }
    }

    static func customer(_ row: PostgresRow) throws -> WhatsAppCustomer {
        WhatsAppCustomer(
            id: try row.decode(UUID.self, "id"),
            userID: try row.decode(String?.self, "user_id"),
            waID: try row.decode(String?.self, "wa_id"),
            name: try row.decode(String?.self, "profile_name")
        )
    }
}
