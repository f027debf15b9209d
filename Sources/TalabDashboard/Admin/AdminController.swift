public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/admin/…`: the platform's admins — every business with its subscription (set here,
/// audited), every login (disabled or enabled here, audited), webhooks for numbers no business has,
/// and reconcile runs with what each changed. Every request takes the admin path
/// (`PostgresPool.withAdmin`): recorded in `audit.admin_requests` before it reads anything, run as
/// a role that can change nothing else. A business's login is refused (403).
public struct AdminController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1/admin").add(middleware: authentication)
        api.get("businesses", use: businessesAPI)
        api.post("businesses/:id/subscription", use: subscriptionAPI)
        api.get("accounts", use: accountsAPI)
        api.post("accounts/:id", use: accountAPI)
        api.get("unroutable", use: unroutableAPI)
        api.get("runs", use: runsAPI)
        api.get("runs/:id", use: runAPI)
    }

    /// The admin request, or a refusal for anyone else.
    static func admin(_ request: Request, _ context: Context) throws -> AdminRequest {
        guard let signedIn = context.signedIn else {
            throw APIError(.unauthorized, code: .notSignedIn, message: "sign in first")
        }
        guard signedIn.account.role == .admin else {
            throw APIError(.forbidden, code: .forbidden, message: "this is for the platform's admins")
        }
        return AdminRequest(
            account: signedIn.account,
            method: request.method.rawValue,
            path: request.uri.path,
            address: context.remoteAddress
        )
    }

    // MARK: views

    struct SubscriptionView: Codable {
        var type: String
        var status: String
        var price: String?
        var started_at: Date?
        var ends_at: Date?
    }

    struct BusinessView: Encodable {
        let id: String
        let slug: String
        let name: String
        let business_type: String
        let subscription: SubscriptionView
        let branches: Int
        let logins: Int
        let live_orders: Int

        init(_ business: PlatformAdmin.Business) {
            id = business.id.lowercasedText
            slug = business.slug
            name = business.name
            business_type = business.type
            let subscription = business.subscription
            self.subscription = SubscriptionView(
                type: subscription.type,
                status: subscription.status,
                price: subscription.price.map { "\($0)" },
                started_at: subscription.startedAt,
                ends_at: subscription.endsAt
            )
            branches = business.branches
            logins = business.logins
            live_orders = business.liveOrders
        }
    }

    struct UnroutableView: Encodable {
        let phone_number_id: String
        let payloads: Int
        let first_seen_at: Date
        let last_seen_at: Date
    }

    struct RunView: Encodable {
        let id: String
        let commit: String
        let actor: String
        let actor_email: String?
        let started_at: Date
        let finished_at: Date?
        let outcome: String
        let creates: Int
        let updates: Int
        let deletes: Int
        let restores: Int
        let error: String?

        init(_ run: PlatformAdmin.Run) {
            id = run.id.lowercasedText
            commit = run.commit
            actor = run.actor
            actor_email = run.actorEmail
            started_at = run.startedAt
            finished_at = run.finishedAt
            outcome = run.outcome
            creates = run.creates
            updates = run.updates
            deletes = run.deletes
            restores = run.restores
            error = run.error
        }
    }

    struct ChangeView: Encodable {
        let business: String?
        let action: String
        let entity: String
        let file: String?
        let line: Int?
        let before: String?
        let after: String?
    }

    struct Wrapped<Value: Encodable>: Encodable {
        let key: String
        let value: Value
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(value, forKey: Key(stringValue: key))
        }
        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }

    // MARK: what the API and the pages share

    func businesses(_ admin: AdminRequest) async throws -> [PlatformAdmin.Business] {
        try await pool.withAdmin(admin) { try await PlatformAdmin.businesses(on: $0) }
    }

    func setSubscription(
        _ view: SubscriptionView,
        of id: String,
        _ admin: AdminRequest
    ) async throws
        -> PlatformAdmin.Business
    {
        guard let id = UUID(uuidString: id) else {
            throw APIError(.notFound, code: .notFound, message: "no such business")
        }
        var price: Decimal?
        if let text = view.price?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), text.count <= 14,
                text.allSatisfy({ $0.isNumber || $0 == "." })
            else { throw APIError(.badRequest, code: .init("invalid_subscription"), message: "price is a number") }
            price = value
        }
        let subscription = PlatformAdmin.Subscription(
            type: view.type,
            status: view.status,
            price: price,
            startedAt: view.started_at,
            endsAt: view.ends_at
        )
        do {
            let changed = try await pool.withAdmin(admin) { connection in
                try await PlatformAdmin.setSubscription(subscription, of: id, request: admin, on: connection)
            }
            guard let changed else { throw APIError(.notFound, code: .notFound, message: "no such business") }
            return changed
        } catch let error as PlatformAdmin.AdminError {
            throw APIError(.badRequest, code: .init(error.code), message: error.message)
        }
    }

    func setDisabled(_ disabled: Bool, account id: String, _ admin: AdminRequest) async throws {
        guard let id = UUID(uuidString: id) else {
            throw APIError(.notFound, code: .notFound, message: "no such login")
        }
        do {
            let found = try await pool.withAdmin(admin) { connection in
                try await PlatformAdmin.setDisabled(disabled, account: id, request: admin, on: connection)
            }
            guard found else { throw APIError(.notFound, code: .notFound, message: "no such login") }
        } catch let error as PlatformAdmin.AdminError {
            throw APIError(.conflict, code: .init(error.code), message: error.message)
        }
    }

    // MARK: the API

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func json(_ key: String, _ value: some Encodable, _ request: Request, _ context: Context) throws -> Response
    {
        var response = try encoder.encode(Wrapped(key: key, value: value), from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func businessesAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        return try AdminController.json(
            "businesses",
            try await businesses(admin).map(BusinessView.init),
            request,
            context
        )
    }

    @Sendable func subscriptionAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        let view = try await request.json(
            SubscriptionView.self,
            upTo: 4 * 1024,
            help:
                "send {\"type\": \"standard|premium\", \"status\": \"active|past_due|canceled\", \"price\": \"25.00\", \"started_at\", \"ends_at\": ISO 8601 times}"
        )
        let changed = try await setSubscription(view, of: context.parameters.get("id") ?? "", admin)
        return try AdminController.json("business", BusinessView(changed), request, context)
    }

    @Sendable func accountsAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        let accounts = try await pool.withAdmin(admin) { try await PlatformAdmin.accounts(on: $0) }
        return try AdminController.json("accounts", accounts.map(AccountView.init), request, context)
    }

    struct Disable: Decodable { let disabled: Bool }

    @Sendable func accountAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        let change = try await request.json(
            Disable.self,
            upTo: 4 * 1024,
            help: "send {\"disabled\": true|false}"
        )
        try await setDisabled(change.disabled, account: context.parameters.get("id") ?? "", admin)
        return Response(status: .noContent)
    }

    @Sendable func unroutableAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        let rows = try await pool.withAdmin(admin) { try await PlatformAdmin.unroutable(on: $0) }
        let views = rows.map {
            UnroutableView(
                phone_number_id: $0.phoneNumberID,
                payloads: $0.payloads,
                first_seen_at: $0.firstSeen,
                last_seen_at: $0.lastSeen
            )
        }
        return try AdminController.json("unroutable", views, request, context)
    }

    @Sendable func runsAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        let runs = try await pool.withAdmin(admin) { try await PlatformAdmin.runs(on: $0) }
        return try AdminController.json("runs", runs.map(RunView.init), request, context)
    }

    struct RunDetail: Encodable {
        let run: RunView
        let changes: [ChangeView]
    }

    func run(_ id: String, _ admin: AdminRequest) async throws -> RunDetail {
        guard let id = UUID(uuidString: id),
            let (run, changes) = try await pool.withAdmin(admin, { try await PlatformAdmin.run(id, on: $0) })
        else { throw APIError(.notFound, code: .notFound, message: "no such run") }
        return RunDetail(
            run: RunView(run),
            changes: changes.map {
                ChangeView(
                    business: $0.business,
                    action: $0.action,
                    entity: $0.entity,
                    file: $0.file,
                    line: $0.line,
                    before: $0.before,
                    after: $0.after
                )
            }
        )
    }

    @Sendable func runAPI(_ request: Request, context: Context) async throws -> Response {
        let admin = try AdminController.admin(request, context)
        var response = try AdminController.encoder.encode(
            try await run(context.parameters.get("id") ?? "", admin),
            from: request,
            context: context
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
