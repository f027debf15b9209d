public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabCore
public import TalabHTTP
public import TalabStore
public import TalabWhatsApp

/// `/api/v1/me` and `/api/v1/orders…`: the live board and its orders, for a signed-in business
/// login. Every query runs in the business's scope (`PostgresPool.withBusiness`), so PostgreSQL
/// itself hides other businesses' rows: another business's order is a 404, like one that never
/// existed. A login limited to a branch sees that branch only.
public struct OrdersController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool
    public let notifier: OrderNotifier
    /// Rung after an order moves, so live boards hear of it.
    public let moved: @Sendable (UUID) async -> Void

    public init(
        pool: PostgresPool,
        notifier: OrderNotifier = OrderNotifier(),
        moved: @escaping @Sendable (UUID) async -> Void = { _ in }
    ) {
        self.pool = pool
        self.notifier = notifier
        self.moved = moved
    }

    public func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("me", use: me)
        api.get("orders", use: board)
        api.get("orders/:id", use: order)
        api.post("orders/:id/status", use: move)
    }

    /// The signed-in business login, or a 403 for a platform admin (who has admin pages instead).
    static func business(_ context: Context) throws -> (SignedIn, UUID) {
        guard let signedIn = context.signedIn else {
            throw APIError(.unauthorized, code: .notSignedIn, message: "sign in first")
        }
        guard let business = signedIn.business else {
            throw APIError(.forbidden, code: .forbidden, message: "the order board belongs to a business login")
        }
        return (signedIn, business)
    }

    struct Me: Encodable {
        let account: AccountView
        let csrf_token: String
    }

    @Sendable func me(_ request: Request, context: Context) async throws -> Response {
        guard let signedIn = context.signedIn else {
            throw APIError(.unauthorized, code: .notSignedIn, message: "sign in first")
        }
        return try JSONEncoder().encode(
            Me(account: AccountView(signedIn.account), csrf_token: signedIn.csrf),
            from: request,
            context: context
        )
    }

    @Sendable func board(_ request: Request, context: Context) async throws -> Response {
        let (signedIn, business) = try OrdersController.business(context)
        let branch = try OrdersController.branch(request, signedIn)
        let orders = try await pool.withBusiness(business) { connection in
            try await OrderBoard.live(branch: branch, on: connection)
        }
        return OrdersController.json("{\"orders\":\(orders)}")
    }

    @Sendable func order(_ request: Request, context: Context) async throws -> Response {
        let (signedIn, business) = try OrdersController.business(context)
        let id = try OrdersController.id(context)
        let found = try await pool.withBusiness(business) { connection in
            try await OrderBoard.order(id, on: connection)
        }
        guard let found, OrdersController.visible(found.branch, to: signedIn) else {
            throw APIError(.notFound, code: .notFound, message: "no order \(id.lowercasedText)")
        }
        return OrdersController.json(found.document)
    }

    struct Move: Decodable {
        var status: String
        /// On accepting: minutes until it is ready.
        var preparation_minutes: Int?
        /// On cancelling (rejecting): why, told to the customer.
        var reason: String?
    }

    @Sendable func move(_ request: Request, context: Context) async throws -> Response {
        let (signedIn, business) = try OrdersController.business(context)
        let id = try OrdersController.id(context)
        let move = try await request.json(
            Move.self,
            upTo: 16 * 1024,
            help: OrdersController.moveHelp
        )
        return OrdersController.json(try await apply(move, to: id, signedIn: signedIn, business: business))
    }

    static var moveHelp: String { "send {\"status\": \"accepted|preparing|ready|completed|cancelled\"} as JSON" }

    /// Moves the order in the business's scope, records what the kitchen said, queues the
    /// customer's notice, and answers the order's document.
    func apply(_ move: Move, to id: UUID, signedIn: SignedIn, business: UUID) async throws -> String {
        guard let status = OrderStatus(rawValue: move.status), status != .pending else {
            throw APIError(.badRequest, code: .badRequest, message: OrdersController.moveHelp)
        }
        if let minutes = move.preparation_minutes, !(1...600).contains(minutes) {
            throw APIError(.badRequest, code: .badRequest, message: "preparation_minutes is 1 to 600")
        }
        if let reason = move.reason, reason.unicodeScalars.count > 500 {
            throw APIError(.badRequest, code: .badRequest, message: "a reason has at most 500 characters")
        }
        let reason = move.reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let document = try await pool.withBusiness(business) { connection -> String in
            guard let found = try await OrderBoard.order(id, on: connection),
                OrdersController.visible(found.branch, to: signedIn)
            else { throw APIError(.notFound, code: .notFound, message: "no order \(id.lowercasedText)") }
            do {
                try await OrderStore.move(id, to: status, by: .business, on: connection)
            } catch let error as OrderStore.OrderError where error.code == .illegalTransition {
                throw APIError(.conflict, code: .illegalTransition, message: error.message)
            } catch let error as OrderStore.OrderError where error.code == .notFound {
                throw APIError(.notFound, code: .notFound, message: "no order \(id.lowercasedText)")
            }
            try await OrderStore.annotate(
                id,
                readyInMinutes: status == .accepted ? move.preparation_minutes : nil,
                reason: status == .cancelled && reason?.isEmpty == false ? reason : nil,
                on: connection
            )
            try await notifier.notify(
                order: id,
                status: status,
                minutes: status == .accepted ? move.preparation_minutes : nil,
                reason: status == .cancelled ? reason : nil,
                on: connection
            )
            return try await OrderBoard.order(id, on: connection)?.document ?? "{}"
        }
        await moved(id)
        return document
    }

    /// The branch a request is about: the login's own when it has one, else `?branch=` (a branch id;
    /// empty or absent: every branch), else a 400.
    static func branch(_ request: Request, _ signedIn: SignedIn) throws -> UUID? {
        if let own = signedIn.account.branchID { return own }
        guard let asked = request.uri.queryParameters["branch"], !asked.isEmpty else { return nil }
        guard let id = UUID(uuidString: String(asked)) else {
            throw APIError(.badRequest, code: .badRequest, message: "branch is a branch id (a UUID)")
        }
        return id
    }

    static func visible(_ branch: UUID?, to signedIn: SignedIn) -> Bool {
        signedIn.account.branchID == nil || signedIn.account.branchID == branch
    }

    static func id(_ context: Context) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw APIError(.notFound, code: .notFound, message: "no such order")
        }
        return id
    }

    static func json(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
