public import Foundation

/// The audit log's rows for changes made in the dashboard (SPEC §3.3): the person who acted, what
/// the thing was and what it became, from which address. A business's change is written in its own
/// scope (row-level security checks it is its own); an admin's names the business it touched.
public enum DashboardAudit {
    static let insert = PostgresStatement(
        "audit.dashboard",
        named: """
            INSERT INTO audit.audit_logs (actor_user_id, actor_name, actor_email, business_id, action, entity_type,
                                          entity_id, before, after, ip)
            VALUES (:actor, :name, :email, coalesce(:business::uuid, talab_business()), :action, :entity, :id,
                    :before::jsonb, :after::jsonb, :ip::inet)
            """
    )

    public static func record(
        by actor: AccountStore.Account,
        action: String,
        entity: String,
        id: UUID?,
        business: UUID? = nil,
        before: [String: String]?,
        after: [String: String]?,
        address: String?,
        on connection: PostgresConnection
    ) async throws {
        func json(_ fields: [String: String]?) throws -> String? {
            guard let fields else { return nil }
            return String(
                decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]),
                as: UTF8.self
            )
        }
        try await connection.query(
            insert,
            [
                "actor": actor.id, "name": actor.displayName ?? actor.email, "email": actor.email,
                "business": business, "action": action, "entity": entity, "id": id, "before": try json(before),
                "after": try json(after), "ip": address,
            ]
        )
    }
}
