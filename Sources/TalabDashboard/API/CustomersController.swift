public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/customers` (owners and managers: who writes to the business, with what they ordered,
/// and one customer's orders, live and archived) and `/api/v1/bookings?date=YYYY-MM-DD` (every
/// login: a court's or salon's day in the business's time zone; a login limited to a branch sees
/// that branch's).
public struct CustomersController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("customers", use: list)
        api.get("customers/:id", use: one)
        api.get("bookings", use: bookings)
    }

    struct CustomerView: Encodable {
        let id: String
        let name: String?
        let phone_number: String?
        let whatsapp_user_id: String?
        let username: String?
        let first_seen_at: Date
        let last_message_at: Date?
        let orders: Int
        let cancelled_orders: Int
        let spent: String
        let currency: String
        let last_order_at: Date?

        init(_ customer: CustomerDirectory.Customer, currency: String) {
            id = customer.id.lowercasedText
            name = customer.name
            phone_number = customer.phone
            whatsapp_user_id = customer.userID
            username = customer.username
            first_seen_at = customer.firstSeen
            last_message_at = customer.lastMessage
            orders = customer.orders
            cancelled_orders = customer.cancelled
            spent = customer.spent
            self.currency = currency
            last_order_at = customer.lastOrder
        }
    }

    struct CustomerPage: Encodable {
        let customers: [CustomerView]
        let next: Date?
    }

    /// What a list's `q` may search for: letters, digits, spaces, `+` and `-`, at most 40.
    static func search(_ request: Request) -> String? {
        request.uri.queryParameters["q"].map { String($0).trimmingCharacters(in: .whitespaces) }
            .flatMap { text in
                let kept = String(text.filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" }.prefix(40))
                return kept.isEmpty ? nil : kept
            }
    }

    /// `?before=` as a time, or a 400.
    static func before(_ request: Request) throws -> Date? {
        guard let text = request.uri.queryParameters["before"] else { return nil }
        guard let date = Timestamp.parse(String(text)) else {
            throw APIError(.badRequest, code: .badRequest, message: "before is a time such as 2026-12-06T10:00:00Z")
        }
        return date
    }

    /// The customers page, for the API and the page alike: the list and the business's profile.
    func page(_ request: Request, context: Context) async throws -> (CustomerPage, OrderBoard.Profile) {
        let (_, business) = try AccountsController<Context>.scope(
            context,
            atLeast: .manager,
            "customers are for owners and managers"
        )
        let before = try CustomersController.before(request)
        let search = CustomersController.search(request)
        let (page, profile) = try await pool.withBusiness(business) { connection in
            (
                try await CustomerDirectory.page(before: before, search: search, limit: 50, on: connection),
                try await OrderBoard.profile(on: connection)
            )
        }
        guard let profile else { throw APIError(.notFound, code: .notFound, message: "no business") }
        let views = page.customers.map { CustomerView($0, currency: profile.currency) }
        return (CustomerPage(customers: views, next: page.next), profile)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let (page, _) = try await self.page(request, context: context)
        return try CustomersController.json(page, request, context)
    }

    /// One customer with a page of their orders (documents, newest first).
    struct CustomerOrders {
        let customer: CustomerView
        let orders: String
        let next: Date?
        let profile: OrderBoard.Profile
    }

    func customer(_ request: Request, context: Context) async throws -> CustomerOrders {
        let (_, business) = try AccountsController<Context>.scope(
            context,
            atLeast: .manager,
            "customers are for owners and managers"
        )
        let before = try CustomersController.before(request) ?? Date()
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw APIError(.notFound, code: .notFound, message: "no such customer")
        }
        let found = try await pool.withBusiness(business) { connection -> CustomerOrders? in
            guard let customer = try await CustomerDirectory.customer(id, on: connection),
                let profile = try await OrderBoard.profile(on: connection)
            else { return nil }
            let orders = try await OrderHistory.customer(
                phone: customer.phone,
                userID: customer.userID,
                before: before,
                limit: 50,
                on: connection
            )
            return CustomerOrders(
                customer: CustomerView(customer, currency: profile.currency),
                orders: orders.documents,
                next: orders.next,
                profile: profile
            )
        }
        guard let found else { throw APIError(.notFound, code: .notFound, message: "no such customer") }
        return found
    }

    @Sendable func one(_ request: Request, context: Context) async throws -> Response {
        let found = try await customer(request, context: context)
        let head = String(decoding: try CustomersController.encoder.encode(found.customer), as: UTF8.self)
        let next = found.next.map { "\"\(ISO8601DateFormatter().string(from: $0))\"" } ?? "null"
        return OrdersController<Context>.json("{\"customer\":\(head),\"orders\":\(found.orders),\"next\":\(next)}")
    }

    // MARK: bookings

    struct BookingView: Encodable {
        let order_id: String
        let status: String
        let service: String
        let branch_id: String
        let branch: String
        let starts_at: Date
        let ends_at: Date
        let places: Int
        let customer_name: String?
        let phone_number: String?
    }

    struct BookingDayView: Encodable {
        let date: String
        let time_zone: String
        let bookings: [BookingView]
    }

    /// `yyyy-MM-dd` in `timeZone`.
    static func day(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// A day as the API and the page take it: `?date=` (`yyyy-MM-dd`, a real date) or today there.
    static func day(_ request: Request, timeZone: TimeZone) throws -> String {
        guard let asked = request.uri.queryParameters["date"].map(String.init) else {
            return day(Date(), timeZone)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        guard asked.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil, let date = formatter.date(from: asked),
            formatter.string(from: date) == asked
        else { throw APIError(.badRequest, code: .badRequest, message: "date is a day such as 2026-12-06") }
        return asked
    }

    /// The bookings of a day, for the API and the page alike.
    func bookingDay(_ request: Request, context: Context) async throws -> (BookingDayView, OrderBoard.Profile) {
        let (signedIn, business) = try OrdersController<Context>.business(context)
        let branch = try OrdersController<Context>.branch(request, signedIn)
        let profile = try await pool.withBusiness(business) { try await OrderBoard.profile(on: $0) }
        guard let profile else { throw APIError(.notFound, code: .notFound, message: "no business") }
        let zone = TimeZone(identifier: profile.timeZone) ?? TimeZone(identifier: "Asia/Beirut")!
        let day = try CustomersController.day(request, timeZone: zone)
        let bookings = try await pool.withBusiness(business) { connection in
            try await BookingDay.bookings(on: day, timeZone: zone.identifier, branch: branch, on: connection)
        }
        let names = Dictionary(profile.branches.map { ($0.id, $0.name) }) { first, _ in first }
        let views = bookings.map { booking in
            BookingView(
                order_id: booking.orderID.lowercasedText,
                status: booking.status,
                service: booking.service,
                branch_id: booking.branchID.lowercasedText,
                branch: names[booking.branchID] ?? "",
                starts_at: booking.starts,
                ends_at: booking.ends,
                places: booking.places,
                customer_name: booking.customerName,
                phone_number: booking.phone
            )
        }
        return (BookingDayView(date: day, time_zone: zone.identifier, bookings: views), profile)
    }

    @Sendable func bookings(_ request: Request, context: Context) async throws -> Response {
        let (day, _) = try await bookingDay(request, context: context)
        return try CustomersController.json(day, request, context)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func json(_ value: some Encodable, _ request: Request, _ context: Context) throws -> Response {
        var response = try encoder.encode(value, from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
