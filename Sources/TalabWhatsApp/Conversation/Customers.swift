import Foundation
import TalabStore

/// Customers per business, known by business-scoped user id when WhatsApp gives one, else by phone.
enum Customers {
    /// The customer a message comes from, as common table expressions ending in `customer`: found by
    /// user id ($2), else by phone ($3) when not yet tied to another user id; touched with what the
    /// message tells ($4 profile name, $5 username, $6 its time: the latest one seen opens the
    /// 24-hour service window), or added. $1 is the business.
    static let upsert = """
        found AS (
            SELECT id FROM (
                SELECT id, 0 AS rank, created_at FROM whatsapp_customers WHERE business_id = $1 AND user_id = $2
                UNION ALL
                SELECT id, 1, created_at FROM whatsapp_customers
                WHERE business_id = $1 AND wa_id = $3 AND ($2::text IS NULL OR user_id IS NULL)
            ) candidates ORDER BY rank, created_at LIMIT 1
        ), touched AS (
            UPDATE whatsapp_customers SET user_id = coalesce($2, user_id), wa_id = coalesce($3, wa_id),
                profile_name = coalesce($4, profile_name), username = coalesce($5, username),
                last_inbound_at = greatest(last_inbound_at, $6), updated_at = now()
            WHERE id = (SELECT id FROM found) RETURNING id, user_id, wa_id, profile_name
        ), added AS (
            INSERT INTO whatsapp_customers (business_id, user_id, wa_id, profile_name, username, last_inbound_at)
            SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM found)
            RETURNING id, user_id, wa_id, profile_name
        ), customer AS (
            SELECT * FROM touched UNION ALL SELECT * FROM added
        )
        """
    static let changeNumber = PostgresStatement(
        "customers.change_number",
        "UPDATE whatsapp_customers SET wa_id = $2, updated_at = now() WHERE id = $1"
    )
    static let changeUserID = PostgresStatement(
        "customers.change_user_id",
        "UPDATE whatsapp_customers SET user_id = $2, updated_at = now() WHERE id = $1"
    )

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
