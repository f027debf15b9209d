import Foundation
import TalabCore
import TalabStore

/// What the conversation asks of the orders: placing one on confirmation, telling its status, and
/// the bookings a calendar is built from.
extension EngineHandler {
    func place(
        _ request: OrderRequest,
        branchID: UUID,
        engine: ConversationEngine,
        _ messageID: String,
        _ context: InboundContext,
        on connection: PostgresConnection
    ) async throws -> [OutboundMessage] {
        var placement = OrderStore.Placement(
            businessID: context.business.id,
            branchID: branchID,
            deliveryType: request.deliveryType,
            confirmationKey: messageID,
            customerPhone: context.customer.waID,
            whatsappUserID: context.customer.userID
        )
        placement.customerName = request.customerName ?? context.customer.name
        placement.language = request.language
        placement.deliveryFee = request.deliveryFee
        placement.scheduledFor = request.scheduledFor
        placement.address = request.address
        placement.bookings = request.bookings
        let order = try await OrderStore.place(request.cart, placement, on: connection)
        let reference = String(order.id.lowercasedText.prefix(8))
        let language = engine.replyLanguage(request.language)
        if let booking = request.bookings.first {
            return OutboundMessage.text(
                phrasebook.text(
                    "booking_placed",
                    in: language,
                    ["order": reference, "time": engine.describe(booking.start, in: language)]
                )
            )
        }
        return OutboundMessage.text(phrasebook.text("order_placed", in: language, ["order": reference]))
    }

    static let latestOrder = PostgresStatement(
        "conversation.latest_order",
        """
        SELECT id, status::text AS status FROM orders
        WHERE business_id = $1 AND (customer_phone_number = $2 OR whatsapp_user_id = $3)
          AND created_at > now() - interval '2 days'
        ORDER BY created_at DESC LIMIT 1
        """
    )

    /// "Wen sar talabi?": the status of the customer's latest order of the last two days.
    func status(
        _ language: Language,
        tenant: TenantConfig,
        context: InboundContext,
        on connection: PostgresConnection
    ) async throws -> [OutboundMessage] {
        let values = ["business": tenant.business.name]
        guard
            let row = try await connection.query(
                EngineHandler.latestOrder,
                [context.business.id, context.customer.waID, context.customer.userID]
            ).first
        else { return OutboundMessage.text(phrasebook.text("no_open_order", in: language, values)) }
        let reference = String(try row.decode(UUID.self, "id").lowercasedText.prefix(8))
        let status = try row.decode(String.self, "status")
        return OutboundMessage.text(
            phrasebook.text("status_\(status)", in: language, values.merging(["order": reference]) { $1 })
        )
    }

    static let upcomingBookings = PostgresStatement(
        "conversation.bookings",
        """
        SELECT i.key::text AS item_key, lower(b.during) AS starts, upper(b.during) AS ends, b.places
        FROM bookings b JOIN orders o ON o.id = b.order_id JOIN items i ON i.id = b.item_id
        WHERE b.branch_id = $1 AND o.status <> 'cancelled'
          AND lower(b.during) < $2::timestamptz + interval '8 days' AND upper(b.during) > $2::timestamptz
        """
    )

    /// The branch's bookings of the coming week, for a business that has bookable services.
    func bookings(
        _ engine: ConversationEngine,
        branchID: UUID?,
        now: Date,
        on connection: PostgresConnection
    ) async throws -> BookingCalendar {
        guard let branchID, engine.hasBookableServices else { return BookingCalendar() }
        return BookingCalendar(
            bookings: try await connection.query(EngineHandler.upcomingBookings, [branchID, now]).map { row in
                BookingCalendar.Booking(
                    itemKey: try row.decode(String.self, "item_key"),
                    start: try row.decode(Date.self, "starts"),
                    end: try row.decode(Date.self, "ends"),
                    places: try row.decode(Int.self, "places")
                )
            }
        )
    }
}
