public import Foundation
public import Hummingbird
public import TalabStore
public import TalabWhatsApp

/// The business dashboard, served by `talab serve` beside the webhook: sign-in and sessions, the
/// order board's API. Built once per server (the signing key is loaded here) and added to its router.
public struct Dashboard: Sendable {
    public struct Settings: Sendable {
        /// `TALAB_JWT_SECRET`: the HS256 key of session tokens (at least 32 characters; environment only).
        public var jwtSecret: String
        /// bcrypt's work factor for passwords set through the server.
        public var bcryptCost: UInt8 = 12
        /// How long one token is good for; the session behind it lasts longer and is renewed.
        public var tokenLifetime: TimeInterval = 30 * 60

        public init(jwtSecret: String) { self.jwtSecret = jwtSecret }
    }

    public let pool: PostgresPool
    public let tokens: SessionTokens
    public let hasher: PasswordHasher
    public let accounts: AccountStore
    public let sessions: SessionStore
    public let cookie = SessionCookie()
    /// Order events for the boards open on this server (fed by `NotificationRelay`).
    public let hub = BoardHub()
    let renderer: PageRenderer
    /// Rung when an order moves through the dashboard.
    public let moved: @Sendable (UUID) async -> Void

    public init(
        pool: PostgresPool,
        settings: Settings,
        moved: @escaping @Sendable (UUID) async -> Void = { _ in }
    )
        async throws
    {
        self.pool = pool
        tokens = try await SessionTokens(secret: settings.jwtSecret, lifetime: settings.tokenLifetime)
        hasher = PasswordHasher(cost: settings.bcryptCost)
        accounts = AccountStore(pool: pool)
        sessions = SessionStore(pool: pool)
        renderer = try await PageRenderer()
        self.moved = moved
    }

    /// The paths the dashboard answers, for the router's 404/405 errors.
    public static let routes: [String: [HTTPRequest.Method]] = [
        "/api/v1/": [.get, .post, .delete], "/dashboard": [.get], "/dashboard/": [.get, .post],
    ]

    public func add<Context: DashboardRequestContext>(to router: Router<Context>) {
        let authentication = DashboardAuthentication<Context>(
            tokens: tokens,
            accounts: accounts,
            sessions: sessions,
            cookie: cookie
        )
        let sessionsController = SessionsController<Context>(
            accounts: accounts,
            sessions: sessions,
            tokens: tokens,
            hasher: hasher,
            cookie: cookie
        )
        sessionsController.add(to: router, authentication: authentication)
        let ordersController = OrdersController<Context>(pool: pool, moved: moved)
        ordersController.add(to: router, authentication: authentication)
        PagesController<Context>(renderer: renderer, sessions: sessionsController, orders: ordersController)
            .add(to: router, authentication: authentication)
        BoardEventsController<Context>(hub: hub).add(to: router, authentication: authentication)
    }
}
