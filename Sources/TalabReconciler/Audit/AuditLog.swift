public import Foundation
public import TalabStore

/// Reads the audit log: who changed what, when, in which commit, from which line.
public struct AuditLog: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public struct Filter: Sendable {
        public var tenant: String?
        public var since: Date?
        public var entity: UUID?
        public var limit: Int

        public init(tenant: String? = nil, since: Date? = nil, entity: UUID? = nil, limit: Int = 1_000) {
            self.tenant = tenant
            self.since = since
            self.entity = entity
            self.limit = limit
        }
    }

    public struct Entry: Sendable, Encodable {
        public let occurredAt: Date
        public let actorName: String
        public let actorEmail: String?
        public let tenant: String?
        public let action: String
        public let entityType: String
        public let entityID: UUID?
        public let commitSHA: String?
        public let file: String?
        public let line: Int?
        /// The fields whose value differs between before and after, with both values as text.
        public let changes: [Change]

        public struct Change: Sendable, Encodable {
            public let field: String
            public let before: String?
            public let after: String?
        }

        enum CodingKeys: String, CodingKey {
            case occurredAt = "occurred_at"
            case actorName = "actor_name"
            case actorEmail = "actor_email"
            case tenant, action
            case entityType = "entity_type"
            case entityID = "entity_id"
            case commitSHA = "commit_sha"
            case file, line, changes
        }
    }

    static let select = PostgresStatement(
        "audit.select",
        """
        SELECT a.occurred_at, a.actor_name, a.actor_email, u.slug, a.action, a.entity_type, a.entity_id,
               a.before::text AS before, a.after::text AS after, a.commit_sha, a.file, a.line
        FROM audit.audit_logs a LEFT JOIN users u ON u.id = a.business_id
        WHERE ($1::text IS NULL OR u.slug = $1) AND ($2::timestamptz IS NULL OR a.occurred_at >= $2)
          AND ($3::uuid IS NULL OR a.entity_id = $3)
        ORDER BY a.id
        LIMIT $4
        """
    )

    public func entries(_ filter: Filter) async throws -> [Entry] {
        let rows = try await pool.query(AuditLog.select, [filter.tenant, filter.since, filter.entity, filter.limit])
        return try rows.map { row in
            Entry(
                occurredAt: try row.decode(Date.self, "occurred_at"),
                actorName: try row.decode(String.self, "actor_name"),
                actorEmail: try row.decode(String?.self, "actor_email"),
                tenant: try row.decode(String?.self, "slug"),
                action: try row.decode(String.self, "action"),
                entityType: try row.decode(String.self, "entity_type"),
                entityID: try row.decode(UUID?.self, "entity_id"),
                commitSHA: try row.decode(String?.self, "commit_sha"),
                file: try row.decode(String?.self, "file"),
                line: try row.decode(Int?.self, "line"),
                changes: AuditLog.changes(
                    before: try row.decode(String?.self, "before"),
                    after: try row.decode(String?.self, "after")
                )
            )
        }
    }

    /// The fields that differ between two JSON objects of an audit record.
    static func changes(before: String?, after: String?) -> [Entry.Change] {
        let old = object(before)
        let new = object(after)
        return Set(old.keys).union(new.keys).sorted().compactMap { key in
            old[key] == new[key] ? nil : Entry.Change(field: key, before: old[key], after: new[key])
        }
    }

    private static func object(_ text: String?) -> [String: String] {
        guard let text, let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { value in
            if value is NSNull { return nil }
            if let text = value as? String { return text }
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            {
                return String(decoding: data, as: UTF8.self)
            }
            return "\(value)"
        }
    }
}

extension AuditLog.Entry {
    /// One line a person reads: when, who, what, where it came from, and what changed.
    public var text: String {
        let formatter = ISO8601DateFormatter()
        var text = "\(formatter.string(from: occurredAt)) \(actorName)"
        if let actorEmail { text += " <\(actorEmail)>" }
        text += " \(action) \(entityType)"
        if let tenant { text += " in \(tenant)" }
        var origin: [String] = []
        if let commitSHA { origin.append("commit \(commitSHA.prefix(12))") }
        if let file { origin.append(line.map { "\(file):\($0)" } ?? file) }
        if !origin.isEmpty { text += " (\(origin.joined(separator: ", ")))" }
        let shown = action.hasPrefix("create_") || action.hasPrefix("delete_") ? [] : changes
        for change in shown {
            text += "\n    \(change.field): \(change.before ?? "(none)") → \(change.after ?? "(none)")"
        }
        return text
    }
}
