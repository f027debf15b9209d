public import Foundation

/// A court's or salon's day: every booking that overlaps it in the business's time zone, in time
/// order, live and archived (a finished booking's order moves to the log store a day later; its
/// document keeps the booking). Run in the business's scope: row-level security decides.
public enum BookingDay {
    public struct Booking: Sendable, Equatable {
        public let orderID: UUID
        public let status: String
        public let service: String
        public let branchID: UUID
        public let starts: Date
        public let ends: Date
        public let places: Int
        public let customerName: String?
        public let phone: String?
    }

    /// How far ahead of an appointment it may have been booked, for reading archived documents
    /// (ordered by when they were placed) without reading them all.
    static let bookedAhead = "interval '120 days'"

    static let day = PostgresStatement(
        "bookings.day",
        named: """
            WITH span AS (
                SELECT tstzrange((:day::date)::timestamp AT TIME ZONE :zone,
                                 (:day::date + 1)::timestamp AT TIME ZONE :zone) AS day
            ), live AS (
                SELECT b.order_id, o.status::text AS status, i.name AS service, b.branch_id,
                       lower(b.during) AS starts, upper(b.during) AS ends, b.places,
                       o.customer_name, o.customer_phone_number AS phone
                FROM bookings b JOIN span ON b.during && span.day
                JOIN orders o ON o.id = b.order_id JOIN items i ON i.id = b.item_id
                WHERE (:branch::uuid IS NULL OR b.branch_id = :branch)
            ), archived AS (
                SELECT l.id AS order_id, l.body -> 'order' ->> 'status' AS status,
                       coalesce((SELECT line ->> 'name' FROM jsonb_array_elements(l.body -> 'items') line
                                 WHERE line ->> 'item_id' = booking ->> 'item_id' LIMIT 1), '') AS service,
                       (booking ->> 'branch_id')::uuid AS branch_id, (booking ->> 'starts')::timestamptz AS starts,
                       (booking ->> 'ends')::timestamptz AS ends, (booking ->> 'places')::int AS places,
                       l.body -> 'customer' ->> 'name' AS customer_name,
                       l.body -> 'customer' ->> 'phone_number' AS phone
                FROM span, history.order_logs l
                CROSS JOIN LATERAL jsonb_array_elements(coalesce(l.body -> 'bookings', '[]'::jsonb)) booking
                WHERE l.at < upper(span.day) AND l.at > lower(span.day) - \(bookedAhead)
                  AND jsonb_typeof(l.body -> 'bookings') = 'array'
                  AND tstzrange((booking ->> 'starts')::timestamptz, (booking ->> 'ends')::timestamptz) && span.day
                  AND (:branch::uuid IS NULL OR (booking ->> 'branch_id')::uuid = :branch)
                  AND NOT EXISTS (SELECT 1 FROM live WHERE live.order_id = l.id)
            )
            SELECT * FROM live UNION ALL SELECT * FROM archived
            ORDER BY starts, service, order_id
            """
    )

    /// The bookings overlapping `day` (a calendar date, `yyyy-MM-dd`) in `timeZone`, of one branch
    /// or all.
    public static func bookings(
        on day: String,
        timeZone: String,
        branch: UUID?,
        on connection: PostgresConnection
    ) async throws -> [Booking] {
        try await connection.query(BookingDay.day, ["day": day, "zone": timeZone, "branch": branch]).map { row in
            Booking(
                orderID: try row.decode(UUID.self, "order_id"),
                status: try row.decode(String.self, "status"),
                service: try row.decode(String.self, "service"),
                branchID: try row.decode(UUID.self, "branch_id"),
                starts: try row.decode(Date.self, "starts"),
                ends: try row.decode(Date.self, "ends"),
                places: try row.decode(Int.self, "places"),
                customerName: try row.decode(String?.self, "customer_name"),
                phone: try row.decode(String?.self, "phone")
            )
        }
    }
}
