/// An order as one JSON document: the order, its customer, its lines with their options, its
/// status timeline, bookings and delivery address. The archiver writes it to `order_logs`; the
/// daily rollup reads live orders in the same shape, so both kinds are counted alike.
public enum OrderDocument {
    /// The SQL expression (jsonb) of the order row aliased `o`; `archivedAt` is an SQL expression.
    package static func sql(_ o: String, archivedAt: String = "now()") -> String {
        """
        jsonb_build_object(
            'order', jsonb_build_object(
                'id', \(o).id, 'business_id', \(o).business_id, 'branch_id', \(o).branch_id, 'status', \(o).status,
                'source', \(o).order_source, 'delivery_type', \(o).delivery_type, 'payment_method', \(o).payment_method,
                'payment_status', \(o).payment_status, 'currency', \(o).currency, 'subtotal', \(o).subtotal::text,
                'delivery_price', \(o).delivery_price::text, 'total', \(o).total::text, 'notes', \(o).notes,
                'language', \(o).language_used, 'scheduled_for', \(o).scheduled_for, 'created_at', \(o).created_at,
                'updated_at', \(o).updated_at, 'completed_at', \(o).completed_at, 'cancelled_at', \(o).cancelled_at,
                'confirmation_key', \(o).confirmation_key),
            'customer', jsonb_build_object(
                'phone_number', \(o).customer_phone_number, 'whatsapp_user_id', \(o).whatsapp_user_id,
                'name', \(o).customer_name),
            'items', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                    'id', i.id, 'item_id', i.item_id, 'quantity', i.quantity, 'price', i.price_at_time::text,
                    'name', i.name_at_time, 'notes', i.notes, 'position', i.position,
                    'options', coalesce((
                        SELECT jsonb_agg(jsonb_build_object(
                            'item_option_id', p.item_option_id, 'group', p.group_name_at_time,
                            'name', p.name_at_time, 'price_delta', p.price_delta_at_time::text)
                            ORDER BY p.position, p.id)
                        FROM order_item_options p WHERE p.order_item_id = i.id), '[]'::jsonb))
                    ORDER BY i.position, i.id)
                FROM order_items i WHERE i.order_id = \(o).id), '[]'::jsonb),
            'timeline', coalesce((
                SELECT jsonb_agg(jsonb_build_object('status', h.status, 'at', h.changed_at, 'by', h.changed_by)
                    ORDER BY h.changed_at, h.id)
                FROM order_status_history h WHERE h.order_id = \(o).id), '[]'::jsonb),
            'bookings', coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                    'item_id', b.item_id, 'branch_id', b.branch_id, 'starts', lower(b.during),
                    'ends', upper(b.during), 'places', b.places) ORDER BY lower(b.during), b.id)
                FROM bookings b WHERE b.order_id = \(o).id), '[]'::jsonb),
            'delivery_address', (
                SELECT jsonb_build_object(
                    'city', l.city, 'street', l.street, 'building', l.building, 'floor', l.floor,
                    'notes', l.notes, 'latitude', l.latitude::text, 'longitude', l.longitude::text)
                FROM locations l WHERE l.id = \(o).delivery_address_location_id),
            'archived_at', \(archivedAt)
        )
        """
    }
}
