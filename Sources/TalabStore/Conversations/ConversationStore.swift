public import Foundation

/// Each customer's conversation with a business (`conversations`): its state as JSON, the branch it
/// is about, read under a lock held until the message's transaction ends.
public enum ConversationStore {
    /// What is stored for a customer, with the business's catalog version (for an engine cache).
    public struct Stored: Sendable {
        /// `catalog_versions.version` of the business; nil before its first apply.
        public let catalogVersion: String?
        /// The conversation's state as JSON, when it was used more recently than the idle limit.
        public let state: String?
        public let branchKey: String?

        /// A row of `load` or `peek`: without the state and branch when it is idle past the limit.
        init(_ row: PostgresRow) throws {
            let fresh = try row.decode(Bool?.self, "fresh") == true
            catalogVersion = try row.decode(String?.self, "version")
            state = fresh ? try row.decode(String?.self, "state") : nil
            branchKey = fresh ? try row.decode(String?.self, "branch_key") : nil
        }
    }

    static let load = PostgresStatement(
        "conversation.load",
        """
        SELECT v.version::text AS version, c.state, c.branch_key, c.fresh
        FROM (SELECT 1) one
        LEFT JOIN catalog_versions v ON v.business_id = $1
        LEFT JOIN LATERAL (
            SELECT state::text AS state, branch_key, updated_at > now() - $3 * interval '1 second' AS fresh
            FROM conversations WHERE business_id = $1 AND customer_id = $2 FOR UPDATE
        ) c ON true
        """
    )
    static let save = PostgresStatement(
        "conversation.save",
        """
        INSERT INTO conversations (business_id, customer_id, branch_key, state) VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (business_id, customer_id) DO UPDATE SET branch_key = excluded.branch_key, state = excluded.state,
            updated_at = now()
        """
    )

    /// The customer's conversation, locked until the caller's transaction ends; a conversation idle
    /// longer than `idleSeconds` is returned without its state (it starts over).
    public static func load(
        business: UUID,
        customer: UUID,
        idleSeconds: Int,
        on connection: PostgresConnection
    ) async throws -> Stored {
        try Stored(try await connection.query(load, [business, customer, idleSeconds])[0])
    }

    static let peek = PostgresStatement(
        "conversation.peek",
        """
        SELECT v.version::text AS version, c.state, c.branch_key, c.fresh
        FROM (SELECT 1) one
        LEFT JOIN catalog_versions v ON v.business_id = $1
        LEFT JOIN LATERAL (
            SELECT c.state::text AS state, c.branch_key, c.updated_at > now() - $4 * interval '1 second' AS fresh
            FROM whatsapp_customers w JOIN conversations c ON c.business_id = w.business_id AND c.customer_id = w.id
            WHERE w.business_id = $1 AND (w.wa_id = $2 OR w.user_id = $3)
            ORDER BY c.updated_at DESC LIMIT 1
        ) c ON true
        """
    )

    /// The customer's conversation as it is now, found by their WhatsApp ids, without a lock: what
    /// a language model is asked about before the message's transaction (which checks it again).
    public static func peek(
        business: UUID,
        waID: String?,
        userID: String?,
        idleSeconds: Int,
        on connection: PostgresConnection
    ) async throws -> Stored {
        try Stored(try await connection.query(peek, [business, waID, userID, idleSeconds])[0])
    }

    /// Saves the conversation's state (JSON) and branch, in the caller's transaction (a queued write:
    /// it travels with the transaction's next statement or its commit).
    public static func save(
        business: UUID,
        customer: UUID,
        branchKey: String?,
        state: String,
        on connection: PostgresConnection
    ) async throws {
        try await connection.queue(save, [business, customer, branchKey, state])
    }
}
