import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TalabHTTP
import TalabStore

/// `/dashboard/admin/…`: the admin's pages over `AdminController` (the same admin path, the same
/// audit): businesses and their subscriptions, logins, unroutable webhooks, reconcile runs.
struct AdminPages<Context: DashboardRequestContext>: Sendable {
    let renderer: PageRenderer
    let admin: AdminController<Context>

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let pages = router.group("/dashboard/admin")
            .add(middleware: FriendlyErrors(renderer: renderer))
            .add(middleware: authentication.forPages)
        pages.get(use: businesses)
        pages.post("businesses/:id/subscription", use: setSubscription)
        pages.get("accounts", use: accounts)
        pages.post("accounts/:id", use: setAccount)
        pages.get("unroutable", use: unroutable)
        pages.get("runs", use: runs)
        pages.get("runs/:id", use: run)
    }

    struct Frame {
        let request: AdminRequest
        let language: String
        let text: [String: String]
        let csrf: String
    }

    func frame(_ request: Request, _ context: Context) throws -> Frame {
        let admin = try AdminController<Context>.admin(request, context)
        let language = PageRenderer.language(request, account: admin.account.language)
        return Frame(
            request: admin,
            language: language,
            text: renderer.text(language),
            csrf: context.signedIn?.csrf ?? ""
        )
    }

    func page(
        _ template: String,
        _ values: [String: Any],
        _ frame: Frame,
        here: String,
        status: HTTPResponse.Status = .ok
    )
        -> Response
    {
        var values = values
        values["csrf"] = frame.csrf
        return renderer.page(
            template,
            values,
            title: frame.text["admin_\(here)"] ?? here,
            language: frame.language,
            chrome: [
                "signedIn": true, "admin": true, "business": frame.text["admin"] ?? "Admin", "csrf": frame.csrf,
                "onAdminBusinesses": here == "businesses", "onAdminAccounts": here == "accounts",
                "onAdminUnroutable": here == "unroutable", "onAdminRuns": here == "runs",
            ],
            status: status
        )
    }

    /// A subscription's day (UTC, as the form sets it).
    static func day(_ date: Date?) -> String { format(date, "yyyy-MM-dd", zone: "UTC") }

    /// A moment on the platform's clock (Beirut).
    static func time(_ date: Date?) -> String { format(date, "yyyy-MM-dd HH:mm", zone: "Asia/Beirut") }

    static func format(_ date: Date?, _ pattern: String, zone: String) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    // MARK: businesses

    @Sendable func businesses(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        return try await businessesPage(
            frame,
            notes: request.uri.queryParameters["saved"] != nil ? ["done": true] : [:]
        )
    }

    func businessesPage(
        _ frame: Frame,
        notes: [String: Any],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let businesses = try await admin.businesses(frame.request)
        let text = frame.text
        var values: [String: Any] = [
            "businesses": businesses.map { business -> [String: Any] in
                let subscription = business.subscription
                let lapsed = subscription.endsAt.map { $0 < Date() } ?? false
                return [
                    "id": business.id.lowercasedText, "slug": business.slug, "name": business.name,
                    "kind": text["kind_\(business.type)"] ?? business.type, "branches": business.branches,
                    "logins": business.logins, "orders": business.liveOrders, "csrf": frame.csrf,
                    "price": subscription.price.map { "\($0)" } ?? "",
                    "started": AdminPages.day(subscription.startedAt), "ends": AdminPages.day(subscription.endsAt),
                    "lapsed": lapsed,
                    "premium": subscription.type == "premium" && subscription.status == "active" && !lapsed,
                    "types": PlatformAdmin.Subscription.types.map {
                        ["value": $0, "label": text["plan_\($0)"] ?? $0, "selected": $0 == subscription.type]
                    },
                    "statuses": PlatformAdmin.Subscription.statuses.map {
                        ["value": $0, "label": text["subscription_\($0)"] ?? $0, "selected": $0 == subscription.status]
                    },
                ]
            }
        ]
        values.merge(notes) { _, note in note }
        return page("admin-businesses", values, frame, here: "businesses", status: status)
    }

    @Sendable func setSubscription(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        func date(_ name: String) throws -> Date? {
            guard let text = fields[name], !text.isEmpty else { return nil }
            guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil, let date = Timestamp.parse(text + "T00:00:00Z")
            else {
                throw APIError(.badRequest, code: .init("invalid_subscription"), message: "a date is YYYY-MM-DD")
            }
            return date
        }
        do {
            let view = AdminController<Context>.SubscriptionView(
                type: fields["type"] ?? "",
                status: fields["status"] ?? "",
                price: fields["price"],
                started_at: try date("started_at"),
                ends_at: try date("ends_at")
            )
            _ = try await admin.setSubscription(view, of: context.parameters.get("id") ?? "", frame.request)
            return Response(status: .seeOther, headers: [.location: "/dashboard/admin?saved=1"])
        } catch let error as APIError where error.status == .badRequest {
            return try await businessesPage(frame, notes: ["error": error.message], status: .badRequest)
        }
    }

    // MARK: logins

    @Sendable func accounts(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        let accounts = try await admin.pool.withAdmin(frame.request) { try await PlatformAdmin.accounts(on: $0) }
        let text = frame.text
        return page(
            "admin-accounts",
            [
                "accounts": accounts.map { account -> [String: Any] in
                    var row: [String: Any] = [
                        "id": account.id.lowercasedText, "email": account.email,
                        "role": text["role_\(account.role.rawValue)"] ?? account.role.rawValue,
                        "business": account.businessSlug ?? "—", "disabled": account.disabled,
                        "state": account.disabled ? text["disabled"] ?? "" : text["enabled"] ?? "",
                        "self": account.id == frame.request.account.id, "csrf": frame.csrf,
                    ]
                    row["branch"] = account.branchKey
                    return row
                },
                "done": request.uri.queryParameters["saved"] != nil,
            ],
            frame,
            here: "accounts"
        )
    }

    @Sendable func setAccount(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        try await admin.setDisabled(
            fields["disabled"] == "true",
            account: context.parameters.get("id") ?? "",
            frame.request
        )
        return Response(status: .seeOther, headers: [.location: "/dashboard/admin/accounts?saved=1"])
    }

    // MARK: unroutable webhooks, reconcile runs

    @Sendable func unroutable(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        let rows = try await admin.pool.withAdmin(frame.request) { try await PlatformAdmin.unroutable(on: $0) }
        return page(
            "admin-unroutable",
            [
                "hasRows": !rows.isEmpty,
                "rows": rows.map {
                    [
                        "number": $0.phoneNumberID, "payloads": $0.payloads, "first": AdminPages.time($0.firstSeen),
                        "last": AdminPages.time($0.lastSeen),
                    ] as [String: Any]
                },
            ],
            frame,
            here: "unroutable"
        )
    }

    @Sendable func runs(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        let runs = try await admin.pool.withAdmin(frame.request) { try await PlatformAdmin.runs(on: $0) }
        return page(
            "admin-runs",
            ["hasRows": !runs.isEmpty, "runs": runs.map { runRow($0, frame) }],
            frame,
            here: "runs"
        )
    }

    func runRow(_ run: PlatformAdmin.Run, _ frame: Frame) -> [String: Any] {
        var row: [String: Any] = [
            "id": run.id.lowercasedText, "commit": String(run.commit.prefix(12)), "actor": run.actor,
            "started": AdminPages.time(run.startedAt), "outcome": frame.text["outcome_\(run.outcome)"] ?? run.outcome,
            "failed": run.outcome == "failed", "creates": run.creates, "updates": run.updates, "deletes": run.deletes,
            "restores": run.restores,
        ]
        row["error"] = run.error
        return row
    }

    @Sendable func run(_ request: Request, context: Context) async throws -> Response {
        let frame = try frame(request, context)
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let (run, changes) = try await admin.pool.withAdmin(
                frame.request,
                { try await PlatformAdmin.run(id, on: $0) }
            )
        else { throw APIError(.notFound, code: .notFound, message: "no such run") }
        var values = runRow(run, frame)
        values["hasChanges"] = !changes.isEmpty
        values["changes"] = changes.map { change -> [String: Any] in
            var row: [String: Any] = ["action": change.action, "entity": change.entity]
            row["business"] = change.business
            row["place"] = change.file.map { file in change.line.map { "\(file):\($0)" } ?? file }
            let (name, fields) = AdminPages.difference(change.before, change.after)
            row["name"] = name
            row["fields"] = fields
            return row
        }
        return page("admin-run", values, frame, here: "runs")
    }

    /// What a change did, readably: the row's name, and each field that changed (was → now); for
    /// a new row its fields that have a value; ids and timestamps left out.
    static func difference(_ before: String?, _ after: String?) -> (name: String?, fields: [[String: String]]) {
        func object(_ text: String?) -> [String: Any] {
            text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
        }
        func show(_ value: Any?) -> String? {
            switch value {
            case nil, is NSNull: nil
            case let text as String: text
            case let number as NSNumber: number.stringValue
            case let value?:
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) }
            }
        }
        let old = object(before)
        let new = object(after)
        let name = show(
            new["name"] ?? old["name"] ?? new["branch_name"] ?? old["branch_name"] ?? new["key"] ?? old["key"]
        )
        let skipped: Set<String> = ["id", "created_at", "updated_at", "deleted_at"]
        var fields: [[String: String]] = []
        for key in Set(old.keys).union(new.keys).sorted() where !skipped.contains(key) && !key.hasSuffix("_id") {
            let was = show(old[key])
            let now = show(new[key])
            guard was != now, !(before == nil && now == nil) else { continue }
            var field = ["field": key, "now": now ?? "∅"]
            if before != nil { field["was"] = was ?? "∅" }
            fields.append(field)
        }
        return (name, fields)
    }
}
