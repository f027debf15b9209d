public import Foundation
public import TalabCore

/// Orders in PostgreSQL: placed from a cart exactly once per confirmation, with every line and
/// option snapshotted at its catalog price, and moved through `OrderStateMachine` with history.
public struct OrderStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Everything an order is placed with besides its cart.
    public struct Placement: Sendable {
        public var businessID: UUID
        public var branchID: UUID
        public var customerPhone: String?
        public var whatsappUserID: String?
        public var customerName: String?
        public var language: Language?
        public var deliveryType: DeliveryType
        public var deliveryFee: Decimal = 0
        /// Where a delivery goes: stored as a `locations` row the order points at.
        public var address: DeliveryAddress?
        /// The service places the order books; the database refuses one beyond capacity.
        public var bookings: [BookingCalendar.Booking] = []
        public var scheduledFor: Date?
        public var notes: String?
        /// Unique per confirmation: the same key places the same order.
        public var confirmationKey: String

        public init(
            businessID: UUID,
            branchID: UUID,
            deliveryType: DeliveryType,
            confirmationKey: String,
            customerPhone: String? = nil,
            whatsappUserID: String? = nil
        ) {
            self.businessID = businessID
            self.branchID = branchID
            self.deliveryType = deliveryType
            self.confirmationKey = confirmationKey
            self.customerPhone = customerPhone
            self.whatsappUserID = whatsappUserID
        }
    }

    public struct OrderError: Error, Sendable, CustomStringConvertible {
        /// A stable code, for programs: its text (`empty_cart`) is what messages and JSON carry.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let value: String
            public var description: String { value }
            public static let emptyCart = Code(value: "empty_cart")
            public static let slotFull = Code(value: "slot_full")
            public static let unknownItem = Code(value: "unknown_item")
            public static let unknownOption = Code(value: "unknown_option")
            public static let notFound = Code(value: "not_found")
            public static let illegalTransition = Code(value: "illegal_transition")
            public static let unknownStatus = Code(value: "unknown_status")
            public static let invalidId = Code(value: "invalid_id")
            public static let ambiguousId = Code(value: "ambiguous_id")
        }

        public let code: Code
        public let message: String
        public var description: String { message }
    }

    static let insertOrder = PostgresStatement(
        "orders.insert",
        named: """
            INSERT INTO orders (business_id, branch_id, customer_phone_number, whatsapp_user_id, customer_name, language_used,
                                delivery_type, delivery_address_location_id, currency, subtotal, delivery_price, total, notes,
                                scheduled_for, confirmation_key)
            VALUES (:business, :branch, :phone, :user_id, :name, :language::customer_language,
                    :delivery_type::delivery_type, :location, :currency, :subtotal, :delivery_price, :total, :notes,
                    :scheduled_for, :confirmation_key)
            ON CONFLICT (confirmation_key) WHERE confirmation_key IS NOT NULL DO NOTHING
            RETURNING id
            """
    )
    static let byConfirmation = PostgresStatement(
        "orders.by_confirmation",
        "SELECT id FROM orders WHERE confirmation_key = $1"
    )
    static let catalogIDs = PostgresStatement(
        "orders.catalog_ids",
        """
        SELECT i.key AS item_key, i.id AS item_id, g.key AS group_key, g.name AS group_name, o.key AS option_key,
               o.id AS option_id
        FROM items i
        LEFT JOIN item_option_groups g ON g.item_id = i.id AND g.deleted_at IS NULL
        LEFT JOIN item_options o ON o.group_id = g.id AND o.deleted_at IS NULL
        WHERE i.business_id = $1 AND i.key = ANY($2::text[]) AND i.deleted_at IS NULL
        """
    )
    static let insertItem = PostgresStatement(
        "orders.insert_item",
        """
        INSERT INTO order_items (order_id, item_id, quantity, price_at_time, name_at_time, position)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
        """
    )
    static let insertOption = PostgresStatement(
        "orders.insert_option",
        """
        INSERT INTO order_item_options (order_item_id, item_option_id, group_name_at_time, name_at_time,
                                        price_delta_at_time, position)
        VALUES ($1, $2, $3, $4, $5, $6)
        """
    )
    static let insertLocation = PostgresStatement(
        "orders.insert_location",
        "INSERT INTO locations (notes, latitude, longitude) VALUES ($1, $2, $3) RETURNING id"
    )
    static let insertBooking = PostgresStatement(
        "orders.insert_booking",
        """
        INSERT INTO bookings (order_id, business_id, branch_id, item_id, during, places)
        VALUES ($1, $2, $3, $4, tstzrange($5, $6), $7)
        """
    )
    static let insertHistory = PostgresStatement(
        "orders.history",
        "INSERT INTO order_status_history (order_id, status, changed_by) VALUES ($1, $2::order_status, $3::status_changed_by)"
    )

    /// Places the order in a transaction of its own, or returns the one this confirmation already
    /// placed; `created` says which. Throws `OrderError` `slot_full` when a booking would exceed its
    /// service's capacity.
    public func place(_ cart: Cart, _ placement: Placement) async throws -> (id: UUID, created: Bool) {
        try await pool.withTransaction { connection in try await OrderStore.place(cart, placement, on: connection) }
    }

    /// Places the order inside the caller's transaction (the one that logs the confirming message),
    /// so the order and the message commit together or not at all. A refusal (`slot_full`, an item
    /// gone) rolls back the order's own rows only, behind a savepoint, and the caller's transaction
    /// goes on to say so.
    public static func place(
        _ cart: Cart,
        _ placement: Placement,
        on connection: PostgresConnection
    ) async throws -> (id: UUID, created: Bool) {
        guard !cart.isEmpty else { throw OrderError(code: .emptyCart, message: "an order needs at least one item") }
        try await connection.executeScript("SAVEPOINT order_placement", name: "orders.savepoint")
        do {
            let placed = try await insert(cart, placement, on: connection)
            try await connection.executeScript("RELEASE SAVEPOINT order_placement", name: "orders.release")
            return placed
        } catch {
            try await connection.rollback(toSavepoint: "order_placement")
            if let error = error as? PostgresError, error.sqlState == "23P01" {
                throw OrderError(code: .slotFull, message: "no place is left for that time")
            }
            throw error
        }
    }

    private static func insert(
        _ cart: Cart,
        _ placement: Placement,
        on connection: PostgresConnection
    ) async throws -> (id: UUID, created: Bool) {
        var ids: [String: UUID] = [:]
        var options: [String: (id: UUID, group: String)] = [:]
        let keys = PostgresTextArray(Array(Set(cart.lines.map(\.itemKey))))
        for row in try await connection.query(OrderStore.catalogIDs, [placement.businessID, keys]) {
            let item = try row.decode(String.self, "item_key")
            ids[item] = try row.decode(UUID.self, "item_id")
            if let group = try row.decode(String?.self, "group_key"),
                let option = try row.decode(String?.self, "option_key"),
                let optionID = try row.decode(UUID?.self, "option_id")
            {
                options["\(item)/\(group)/\(option)"] = (optionID, try row.decode(String.self, "group_name"))
            }
        }
        let subtotal = cart.subtotal.amount
        var locationID: UUID?
        if let address = placement.address {
            locationID = try await connection.query(
                OrderStore.insertLocation,
                [
                    address.text, address.latitude.map(OrderStore.coordinate),
                    address.longitude.map(OrderStore.coordinate),
                ]
            )[0].decode(UUID.self, "id")
        }
        let inserted = try await connection.query(
            OrderStore.insertOrder,
            [
                "business": placement.businessID, "branch": placement.branchID, "phone": placement.customerPhone,
                "user_id": placement.whatsappUserID, "name": placement.customerName,
                "language": placement.language?.rawValue, "delivery_type": placement.deliveryType.rawValue,
                "location": locationID, "currency": cart.currency, "subtotal": subtotal,
                "delivery_price": placement.deliveryFee, "total": subtotal + placement.deliveryFee,
                "notes": placement.notes, "scheduled_for": placement.scheduledFor,
                "confirmation_key": placement.confirmationKey,
            ]
        )
        guard let orderID = try inserted.first?.decode(UUID.self, "id") else {
            let existing = try await connection.query(OrderStore.byConfirmation, [placement.confirmationKey])
            return (try existing[0].decode(UUID.self, "id"), false)
        }
        for (position, line) in cart.lines.enumerated() {
            guard let itemID = ids[line.itemKey] else {
                throw OrderError(
                    code: .unknownItem,
                    message: "the catalog has no item '\(line.itemKey)' any more"
                )
            }
            let lineID = try await connection.query(
                OrderStore.insertItem,
                [orderID, itemID, line.quantity, line.unitPrice, line.name, position]
            )[0].decode(UUID.self, "id")
            for (optionPosition, option) in line.options.enumerated() {
                guard let known = options["\(line.itemKey)/\(option.key)"] else {
                    throw OrderError(code: .unknownOption, message: "the catalog has no option '\(option.key)'")
                }
                try await connection.query(
                    OrderStore.insertOption,
                    [lineID, known.id, known.group, option.name, option.priceDelta, optionPosition]
                )
            }
        }
        for booking in placement.bookings {
            guard let itemID = ids[booking.itemKey] else {
                throw OrderError(
                    code: .unknownItem,
                    message: "the catalog has no item '\(booking.itemKey)' any more"
                )
            }
            try await connection.query(
                OrderStore.insertBooking,
                [
                    orderID, placement.businessID, placement.branchID, itemID, booking.start, booking.end,
                    booking.places,
                ]
            )
        }
        try await connection.query(OrderStore.insertHistory, [orderID, OrderStatus.pending.rawValue, "customer"])
        return (orderID, true)
    }

    /// A coordinate as `numeric(10,8)` takes it: eight decimal places.
    static func coordinate(_ value: Double) -> Decimal {
        var exact = Decimal(value)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 8, .plain)
        return rounded
    }

    static let lockStatus = PostgresStatement(
        "orders.lock_status",
        "SELECT status::text AS status FROM orders WHERE id = $1 FOR UPDATE"
    )
    static let setStatus = PostgresStatement(
        "orders.set_status",
        """
        UPDATE orders SET status = $2::order_status,
            completed_at = CASE WHEN $2 = 'completed' THEN now() ELSE completed_at END,
            cancelled_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE cancelled_at END
        WHERE id = $1
        """
    )

    /// Moves the order to `status` if the lifecycle allows it, and records who did; `also` runs in
    /// the same transaction (queueing the customer's notice), so both happen or neither.
    @discardableResult
    public func move(
        _ orderID: UUID,
        to status: OrderStatus,
        by actor: StatusChangedBy,
        also: (@Sendable (PostgresConnection) async throws -> Void)? = nil
    ) async throws -> OrderStatus {
        try await pool.withTransaction { connection in
            try await OrderStore.move(orderID, to: status, by: actor, on: connection)
            try await also?(connection)
            return status
        }
    }

    /// Moves the order within the caller's transaction (the dashboard's, under row-level security:
    /// an order of another business is `not_found`).
    public static func move(
        _ orderID: UUID,
        to status: OrderStatus,
        by actor: StatusChangedBy,
        on connection: PostgresConnection
    ) async throws {
        guard let row = try await connection.query(OrderStore.lockStatus, [orderID]).first else {
            throw OrderError(code: .notFound, message: "no order \(orderID.lowercasedText)")
        }
        guard let current = OrderStatus(rawValue: try row.decode(String.self, "status")) else {
            throw OrderError(
                code: .unknownStatus,
                message: "order \(orderID.lowercasedText) has an unknown status"
            )
        }
        do {
            _ = try OrderStateMachine.transition(from: current, to: status)
        } catch {
            throw OrderError(code: .illegalTransition, message: String(describing: error))
        }
        try await connection.query(OrderStore.setStatus, [orderID, status.rawValue])
        try await connection.query(OrderStore.insertHistory, [orderID, status.rawValue, actor.rawValue])
    }
}

extension OrderStore {
    static let annotate = PostgresStatement(
        "orders.annotate",
        """
        UPDATE orders SET ready_by = coalesce(now() + $2 * interval '1 minute', ready_by),
                          cancel_reason = coalesce($3, cancel_reason)
        WHERE id = $1
        """
    )

    /// Records what the kitchen said with a move: the minutes until the order is ready (on
    /// accepting) or why it was refused (on cancelling).
    public static func annotate(
        _ orderID: UUID,
        readyInMinutes: Int?,
        reason: String?,
        on connection: PostgresConnection
    ) async throws {
        guard readyInMinutes != nil || reason != nil else { return }
        try await connection.query(annotate, [orderID, readyInMinutes, reason])
    }
}
