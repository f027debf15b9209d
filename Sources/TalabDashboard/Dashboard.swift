public import Foundation
public import Hummingbird
import TalabConfig
public import TalabReconciler
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
        /// Where catalog changes made in the dashboard are committed (nil: they are not offered).
        public var catalog: CatalogSettings?

        public init(jwtSecret: String) { self.jwtSecret = jwtSecret }
    }

    /// The server's clone of the tenant repository (`TALAB_TENANT_REPO`) and what applying a tenant
    /// needs: its secrets and where its images go.
    public struct CatalogSettings: Sendable {
        public var repository: String
        public var secrets: any SecretSource
        public var objects: (any ObjectStore)?

        public init(repository: String, secrets: any SecretSource = EnvironmentSecrets(), objects: (any ObjectStore)?) {
            self.repository = repository
            self.secrets = secrets
            self.objects = objects
        }
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
    /// Commits catalog changes; nil without a tenant repository.
    public let catalog: CatalogEditor?
    /// Rung when an order moves through the dashboard.
    public let moved: @Sendable (UUID) async -> Void
    /// Where archived orders are read from when today's analytics are rolled up again.
    public let history: any LogStore

    public init(
        pool: PostgresPool,
        settings: Settings,
        sealer: SecretSealer? = nil,
        history: (any LogStore)? = nil,
        moved: @escaping @Sendable (UUID) async -> Void = { _ in }
    ) async throws {
        self.pool = pool
        self.history = history ?? PostgresLogStore(pool: pool)
        tokens = try await SessionTokens(secret: settings.jwtSecret, lifetime: settings.tokenLifetime)
        hasher = PasswordHasher(cost: settings.bcryptCost)
        accounts = AccountStore(pool: pool)
        sessions = SessionStore(pool: pool)
        renderer = try await PageRenderer()
        catalog = try settings.catalog.map { catalog in
            CatalogEditor(
                repository: try GitRepository(discoveringFrom: catalog.repository),
                reconciler: Reconciler(pool: pool, secrets: catalog.secrets, sealer: sealer, objects: catalog.objects)
            )
        }
        self.moved = moved
    }

    /// The paths the dashboard answers, for the router's 404/405 errors.
    public static let routes: [String: [HTTPRequest.Method]] = [
        "/api/v1/sessions": [.post, .delete], "/api/v1/sessions/current": [.delete], "/api/v1/me": [.get],
        "/api/v1/orders": [.get], "/api/v1/orders/:id": [.get], "/api/v1/orders/:id/status": [.post],
        "/api/v1/items": [.get], "/api/v1/items/:key/availability": [.post], "/api/v1/board/events": [.get],
        "/api/v1/branches": [.get], "/api/v1/branches/:id/operations": [.post], "/api/v1/openapi.json": [.get],
        "/api/v1/accounts": [.get], "/api/v1/accounts/:id": [.post], "/api/v1/invitations": [.get, .post],
        "/api/v1/invitations/:id": [.delete], "/api/v1/invitations/accept": [.post],
        "/api/v1/customers": [.get], "/api/v1/customers/:id": [.get], "/api/v1/bookings": [.get],
        "/dashboard": [.get], "/dashboard/sign-in": [.get, .post], "/dashboard/sign-out": [.post],
        "/dashboard/board": [.get], "/dashboard/board/columns": [.get], "/dashboard/orders/:id": [.get],
        "/dashboard/orders/:id/status": [.post], "/dashboard/settings": [.get], "/dashboard/menu": [.get],
        "/dashboard/history": [.get], "/dashboard/branches/:id/operations": [.post],
        "/dashboard/items/:key/availability": [.post], "/dashboard/assets/:name": [.get],
        "/dashboard/join/:token": [.get, .post], "/dashboard/invitations": [.post],
        "/dashboard/invitations/:id/revoke": [.post], "/dashboard/accounts/:id": [.post],
        "/dashboard/customers": [.get], "/dashboard/customers/:id": [.get], "/dashboard/bookings": [.get],
        "/api/v1/admin/businesses": [.get], "/api/v1/admin/businesses/:id/subscription": [.post],
        "/api/v1/admin/accounts": [.get], "/api/v1/admin/accounts/:id": [.post], "/api/v1/admin/unroutable": [.get],
        "/api/v1/admin/runs": [.get], "/api/v1/admin/runs/:id": [.get], "/dashboard/admin": [.get],
        "/dashboard/admin/businesses/:id/subscription": [.post], "/dashboard/admin/accounts": [.get],
        "/dashboard/admin/accounts/:id": [.post], "/dashboard/admin/unroutable": [.get],
        "/dashboard/admin/runs": [.get],
        "/dashboard/admin/runs/:id": [.get], "/api/v1/analytics": [.get], "/api/v1/analytics/:report": [.get],
        "/dashboard/analytics": [.get], "/dashboard/analytics/:report": [.get],
    ]

    public func add<Context: DashboardRequestContext>(to router: Router<Context>) {
        let authentication = DashboardAuthentication<Context>(tokens: tokens, sessions: sessions, cookie: cookie)
        let sessionsController = SessionsController<Context>(
            accounts: accounts,
            sessions: sessions,
            tokens: tokens,
            hasher: hasher,
            cookie: cookie
        )
        sessionsController.add(to: router, authentication: authentication)
        let accountsController = AccountsController<Context>(pool: pool, sessions: sessionsController)
        accountsController.add(to: router, authentication: authentication)
        let customersController = CustomersController<Context>(pool: pool)
        customersController.add(to: router, authentication: authentication)
        let ordersController = OrdersController<Context>(pool: pool, moved: moved)
        ordersController.add(to: router, authentication: authentication)
        BranchesController<Context>(pool: pool).add(to: router, authentication: authentication)
        let menuController = MenuController<Context>(pool: pool, editor: catalog)
        menuController.add(to: router, authentication: authentication)
        PagesController<Context>(
            renderer: renderer,
            sessions: sessionsController,
            accounts: accountsController,
            customers: customersController,
            orders: ordersController,
            menu: menuController
        ).add(to: router, authentication: authentication)
        BoardEventsController<Context>(hub: hub).add(to: router, authentication: authentication)
        let analytics = AnalyticsController<Context>(pool: pool, history: history)
        analytics.add(to: router, authentication: authentication)
        AnalyticsPages<Context>(renderer: renderer, analytics: analytics)
            .add(to: router, authentication: authentication)
        let adminController = AdminController<Context>(pool: pool)
        adminController.add(to: router, authentication: authentication)
        AdminPages<Context>(renderer: renderer, admin: adminController).add(to: router, authentication: authentication)
    }
}
