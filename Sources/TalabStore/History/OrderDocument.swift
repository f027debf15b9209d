/// An order as one JSON document: the order, its customer, its lines with their options, its
/// status timeline, bookings and delivery address. The archiver writes it to `order_logs`; the
/// daily rollup reads live orders in the same shape, so both kinds are counted alike.
///
/// Built for a set of orders at once: the children are aggregated per order by `GROUP BY` (hash
/// joins), not by a subquery per order, which is what keeps the archiver near a bare insert.
package enum OrderDocument {
    /// Common table expressions (each starting with `, `) that aggregate the children of the orders
    /// in the relation `orders` (a CTE or table with the `orders` columns): `doc_lines`,
    /// `doc_timeline`, `doc_bookings`.
    package static func aggregates(of orders: String) -> String {
        """
        , doc_options AS (
            SELECT p.order_item_id, jsonb_agg(jsonb_build_object(
                'item_option_id', p.item_option_id, 'group', p.group_name_at_time, 'name', p.name_at_time,
                'price_delta', p.price_delta_at_time::text) ORDER BY p.position, p.id) AS options
            FROM order_item_options p JOIN order_items i ON i.id = p.order_item_id
            JOIN \(orders) dc ON dc.id = i.order_id
            GROUP BY p.order_item_id
        ), doc_lines AS (
            SELECT i.order_id, jsonb_agg(jsonb_build_object(
                'id', i.id, 'item_id', i.item_id, 'quantity', i.quantity, 'price', i.price_at_time::text,
                'name', i.name_at_time, 'notes', i.notes, 'position', i.position,
                'options', coalesce(o.options, '[]'::jsonb)) ORDER BY i.position, i.id) AS items
            FROM order_items i JOIN \(orders) dc ON dc.id = i.order_id
            LEFT JOIN doc_options o ON o.order_item_id = i.id
            GROUP BY i.order_id
        ), doc_timeline AS (
            SELECT h.order_id, jsonb_agg(jsonb_build_object('status', h.status, 'at', h.changed_at, 'by', h.changed_by)
                ORDER BY h.changed_at, h.id) AS timeline
            FROM order_status_history h JOIN \(orders) dc ON dc.id = h.order_id
            GROUP BY h.order_id
        ), doc_bookings AS (
            SELECT b.order_id, jsonb_agg(jsonb_build_object(
                'item_id', b.item_id, 'branch_id', b.branch_id, 'starts', lower(b.during), 'ends', upper(b.during),
                'places', b.places) ORDER BY lower(b.during), b.id) AS bookings
            FROM bookings b JOIN \(orders) dc ON dc.id = b.order_id
            GROUP BY b.order_id
        )
        """
    }

    /// The joins that bring an order `o`'s aggregates and address beside it.
    package static func joins(_ o: String) -> String {
        """
        LEFT JOIN doc_lines dl ON dl.order_id = \(o).id
        LEFT JOIN doc_timeline dt ON dt.order_id = \(o).id
        LEFT JOIN doc_bookings db ON db.order_id = \(o).id
        LEFT JOIN locations da ON da.id = \(o).delivery_address_location_id
        """
    }

    /// The document (jsonb) of the order `o`, with `joins(o)` in the query; `archivedAt` is SQL.
    package static func body(_ o: String, archivedAt: String = "now()") -> String {
        """
        jsonb_build_object(
            'order', jsonb_build_object(
                'id', \(o).id, 'business_id', \(o).business_id, 'branch_id', \(o).branch_id, 'status', \(o).status,
                'source', \(o).order_source, 'delivery_type', \(o).delivery_type,
                'payment_method', \(o).payment_method, 'payment_status', \(o).payment_status,
                'currency', \(o).currency, 'subtotal', \(o).subtotal::text,
                'delivery_price', \(o).delivery_price::text, 'total', \(o).total::text, 'notes', \(o).notes,
                'language', \(o).language_used, 'scheduled_for', \(o).scheduled_for,
                'created_at', \(o).created_at, 'updated_at', \(o).updated_at, 'completed_at', \(o).completed_at,
                'cancelled_at', \(o).cancelled_at, 'confirmation_key', \(o).confirmation_key,
                'ready_by', \(o).ready_by, 'cancel_reason', \(o).cancel_reason),
            'customer', jsonb_build_object(
                'phone_number', \(o).customer_phone_number, 'whatsapp_user_id', \(o).whatsapp_user_id,
                'name', \(o).customer_name),
            'items', coalesce(dl.items, '[]'::jsonb),
            'timeline', coalesce(dt.timeline, '[]'::jsonb),
            'bookings', coalesce(db.bookings, '[]'::jsonb),
            'delivery_address', CASE WHEN da.id IS NULL THEN NULL ELSE jsonb_build_object(
                'city', da.city, 'street', da.street, 'building', da.building, 'floor', da.floor,
                'notes', da.notes, 'latitude', da.latitude::text, 'longitude', da.longitude::text) END,
            'archived_at', \(archivedAt)
        )
        """
    }
}
