import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TalabApp
import TalabCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import TalabWhatsApp

/// A database with the example tenants, the server's router with the dashboard, and logins.
struct DashboardFixture {
    static let secret = "dashboard-test-secret-0123456789abcdef"
    static let password = "correct horse battery"

    let database: CatalogDatabase
    let parts: Server.Parts
    let settings: Server.Settings
    let dashboard: Dashboard

    static func make(tokenLifetime: TimeInterval = 30 * 60) async throws -> DashboardFixture {
        let database = try await CatalogDatabase.make()
        var settings = Server.Settings(databaseURL: database.url, appSecret: "app-secret", verifyToken: "verify")
        settings.poolSize = 4
        var dashboardSettings = Dashboard.Settings(jwtSecret: secret)
        dashboardSettings.bcryptCost = 4
        dashboardSettings.tokenLifetime = tokenLifetime
        settings.dashboard = dashboardSettings
        var logger = Logger(label: "talab.test.dashboard")
        logger.logLevel = .critical
        let parts = Server.parts(settings, sealer: CatalogDatabase.sealer, handler: EngineHandler(), logger: logger)
        let dashboard = try await Dashboard(pool: parts.pool, settings: dashboardSettings)
        return DashboardFixture(database: database, parts: parts, settings: settings, dashboard: dashboard)
    }

    func close() {
        parts.pool.close()
        database.pool.close()
    }

    var application: some ApplicationProtocol {
        Application(router: Server.router(parts, settings: settings, dashboard: dashboard))
    }

    /// A login with the fixture's password.
    @discardableResult
    func login(
        _ email: String,
        role: AccountStore.Role,
        tenant: String?,
        branch: String? = nil
    ) async throws -> AccountStore.Account {
        try await dashboard.accounts.add(
            email: email,
            passwordHash: try await dashboard.hasher.hash(DashboardFixture.password),
            role: role,
            tenant: tenant,
            branch: branch
        )
    }

    /// An order of the example restaurant, placed by a customer who wrote a minute ago, pending.
    func pendingOrder() async throws -> UUID {
        let (store, placement, cart) = try await ExampleOrder.on(database.pool)
        var unique = placement
        unique.confirmationKey = "wamid.\(UUID().uuidString)"
        try await database.pool.withTransaction { connection in
            _ = try await WhatsAppCustomers.receive(
                .init(
                    business: placement.businessID,
                    userID: nil,
                    waID: placement.customerPhone,
                    sentAt: Date().addingTimeInterval(-60),
                    messageID: "wamid.\(UUID().uuidString)"
                ),
                on: connection
            )
        }
        return try await store.place(cart, unique).id
    }

    struct Session {
        let token: String
        let cookie: String
        let csrf: String
    }

    static func json(_ value: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: value))
    }

    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
    }

    static func errorCode(_ response: TestResponse) -> String? {
        (object(response)["error"] as? [String: Any])?["code"] as? String
    }

    static func signIn(
        _ client: some TestClientProtocol,
        _ email: String,
        password: String = DashboardFixture.password
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/sessions",
            method: .post,
            headers: [.contentType: "application/json"],
            body: json(["email": email, "password": password])
        )
    }

    /// Signs in and returns the bearer token, the cookie as a browser would send it back, and the
    /// CSRF token.
    static func session(_ client: some TestClientProtocol, _ email: String) async throws -> Session {
        let response = try await signIn(client, email)
        guard response.status == .created else { throw TestFailure("sign-in answered \(response.status)") }
        let body = object(response)
        let setCookie = response.headers[.setCookie] ?? ""
        return Session(
            token: body["token"] as? String ?? "",
            cookie: String(setCookie.split(separator: ";")[0]),
            csrf: body["csrf_token"] as? String ?? ""
        )
    }
}
