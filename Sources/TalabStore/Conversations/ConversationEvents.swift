public import Foundation

/// Moments of conversations the business's board never shows (migration 0030), written by the
/// runtime in the transaction of the message that caused them, counted by the analytics.
public enum ConversationEvents {
    public enum Kind: String, Sendable, CaseIterable {
        case started, cart, confirmed
        case notUnderstood = "not_understood"
        case unavailable, paused
        case handOff = "hand_off"
        /// Words beside an order that named nothing on the menu (`pizza` in `2 shawarma w pizza`).
        case unmatched
    }

    static let insert = PostgresStatement(
        "events.insert",
        "INSERT INTO conversation_events (business_id, branch_id, customer, kind, detail) VALUES ($1, $2, $3, $4, $5)"
    )

    /// Notes one moment; `detail` is cut to 200 characters as PostgreSQL counts them (code points:
    /// a letter with combining marks is several).
    public static func record(
        _ kind: Kind,
        detail: String? = nil,
        business: UUID,
        branch: UUID?,
        customer: String,
        on connection: PostgresConnection
    ) async throws {
        let detail = detail.map {
            String(
                String.UnicodeScalarView($0.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.prefix(200))
            )
        }
        try await connection.queue(insert, [business, branch, customer, kind.rawValue, detail])
    }

    /// Counts of a business's moments over a range of its dates, and what customers wrote (or asked
    /// for) most often that they did not get.
    public struct Summary: Sendable, Equatable {
        public var counts: [String: Int] = [:]
        /// The texts the bot could not read, and the words beside orders that named nothing on the
        /// menu, most frequent first (as written, case folded).
        public var notUnderstood: [(text: String, count: Int)] = []
        /// Items asked for while not available, most frequent first.
        public var unavailable: [(item: String, count: Int)] = []
        /// Customers' days on which an item they asked for was unavailable (`unavailable`) or the
        /// branch refused their confirmation while paused (`paused`): how many, and how many of
        /// them ended without an order confirmed by that customer within two hours (orders lost).
        public var missed: [String: Int] = [:]
        public var lost: [String: Int] = [:]

        public static func == (a: Summary, b: Summary) -> Bool {
            a.counts == b.counts && a.missed == b.missed && a.lost == b.lost
                && a.notUnderstood.map(\.text) == b.notUnderstood.map(\.text)
                && a.notUnderstood.map(\.count) == b.notUnderstood.map(\.count)
                && a.unavailable.map(\.item) == b.unavailable.map(\.item)
                && a.unavailable.map(\.count) == b.unavailable.map(\.count)
        }
    }

    static let counts = PostgresStatement(
        "events.counts",
        named: """
            SELECT kind, count(*)::int AS n FROM conversation_events
            WHERE business_id = :business AND at >= :from AND at < :until
              AND (:branch::uuid IS NULL OR branch_id = :branch)
            GROUP BY kind
            """
    )
    static let details = PostgresStatement(
        "events.details",
        named: """
            SELECT CASE kind WHEN 'unavailable' THEN 'unavailable' ELSE 'not_understood' END AS kind,
                   lower(detail) AS detail, count(*)::int AS n FROM conversation_events
            WHERE business_id = :business AND at >= :from AND at < :until
              AND (:branch::uuid IS NULL OR branch_id = :branch)
              AND kind IN ('not_understood', 'unavailable', 'unmatched') AND detail IS NOT NULL
            GROUP BY 1, lower(detail) ORDER BY n DESC, detail LIMIT 60
            """
    )
    static let lost = PostgresStatement(
        "events.lost",
        named: """
            WITH missed AS (
                SELECT customer, kind, min(at) AS first, max(at) AS last FROM conversation_events
                WHERE business_id = :business AND at >= :from AND at < :until
                  AND (:branch::uuid IS NULL OR branch_id = :branch) AND kind IN ('unavailable', 'paused')
                GROUP BY customer, kind, (at AT TIME ZONE :zone)::date
            )
            SELECT kind, count(*)::int AS missed, count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM conversation_events c
                WHERE c.business_id = :business AND c.customer = m.customer AND c.kind = 'confirmed'
                  AND c.at >= m.first AND c.at < m.last + interval '2 hours'))::int AS lost
            FROM missed m GROUP BY kind
            """
    )

    /// The summary of `business`'s moments from `from` until `until` (one branch, or all); days are
    /// the business's (`zone`).
    public static func summary(
        business: UUID,
        from: Date,
        until: Date,
        branch: UUID?,
        zone: String,
        on connection: PostgresConnection
    ) async throws -> Summary {
        let bindings: PostgresBindings = ["business": business, "from": from, "until": until, "branch": branch]
        var zoned = bindings
        zoned.values["zone"] = zone
        var summary = Summary()
        for row in try await connection.query(counts, bindings) {
            summary.counts[try row.decode(String.self, "kind")] = try row.decode(Int.self, "n")
        }
        for row in try await connection.query(lost, zoned) {
            let kind = try row.decode(String.self, "kind")
            summary.missed[kind] = try row.decode(Int.self, "missed")
            summary.lost[kind] = try row.decode(Int.self, "lost")
        }
        for row in try await connection.query(details, bindings) {
            let detail = try row.decode(String.self, "detail")
            let count = try row.decode(Int.self, "n")
            if try row.decode(String.self, "kind") == "not_understood" {
                if summary.notUnderstood.count < 20 { summary.notUnderstood.append((detail, count)) }
            } else if summary.unavailable.count < 20 {
                summary.unavailable.append((detail, count))
            }
        }
        return summary
    }
}
