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

    /// "Wen sar talabi?": the status of the customer's latest order of the last two days.
    func status(
        _ language: Language,
        tenant: TenantConfig,
        context: InboundContext,
        on connection: PostgresConnection
    ) async throws -> [OutboundMessage] {
        let values = ["business": tenant.business.name]
        guard
            let (id, status) = try await OrderStore.latestOrder(
                business: context.business.id,
                phone: context.customer.waID,
                userID: context.customer.userID,
                on: connection
            )
        else { return OutboundMessage.text(phrasebook.text("no_open_order", in: language, values)) }
        let reference = String(id.lowercasedText.prefix(8))
        return OutboundMessage.text(
            phrasebook.text("status_\(status)", in: language, values.merging(["order": reference]) { $1 })
        )
    }

    /// The branch's bookings of the coming week, for a business that has bookable services.
    func bookings(
        _ engine: ConversationEngine,
        branchID: UUID?,
        now: Date,
        on connection: PostgresConnection
    ) async throws -> BookingCalendar {
        guard let branchID, engine.hasBookableServices else { return BookingCalendar() }
        return BookingCalendar(
            bookings: try await OrderStore.upcomingBookings(branch: branchID, from: now, on: connection)
        )
    }
}
