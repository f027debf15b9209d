public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/analytics` and `/api/v1/analytics/{report}` (`?format=csv` for a spreadsheet): the
/// reports of SPEC §11 for owners and managers of a premium business (SPEC §2.9: premium, active,
/// its period not over; otherwise 402 `premium_required`), and for the platform's admins of any
/// business (`?business=slug`, through the admin path). `?period=today|7d|30d|365d` (default
/// `30d`) or `?from=YYYY-MM-DD&to=YYYY-MM-DD` in the business's time zone (a bad one is a 400
/// `invalid_period`), `?branch=` for one branch; each figure with the previous range's beside it.
/// Today is rolled up again first when its figures are over a minute old.
public struct AnalyticsController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool
    public let rollup: MetricsRollup

    public init(pool: PostgresPool, history: any LogStore) {
        self.pool = pool
        rollup = MetricsRollup(pool: pool, history: history)
    }

    /// The reports, by the name the API and the CSV files use.
    public static var reports: [String] {
        [
            "summary", "sales", "weeks", "hours", "items", "spenders", "customers", "order-value", "completion",
            "reply-time", "branches", "languages", "conversations", "demand",
        ]
    }

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("analytics", use: everything)
        api.get("analytics/:report", use: one)
    }

    /// Whose figures, for which range and branch.
    struct Scope {
        let business: BusinessDirectory.Business
        let range: Analytics.Range
        let branch: UUID?
        let admin: AdminRequest?
        let signedIn: SignedIn
        let period: String
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: .init("invalid_period"), message: message)
    }

    /// The range a request asks for, in its business's calendar.
    static func range(_ request: Request, today: LocalDate) throws -> (Analytics.Range, String) {
        let query = request.uri.queryParameters
        if query["from"] != nil || query["to"] != nil {
            guard query["period"] == nil else { throw invalid("give a period, or from and to, not both") }
            guard let from = query["from"].flatMap({ LocalDate(String($0)) }),
                let to = query["to"].flatMap({ LocalDate(String($0)) })
            else { throw invalid("from and to are both days such as 2026-11-01") }
            guard from <= to else { throw invalid("from comes before to") }
            let range = Analytics.Range(from: from, through: to)
            guard range.days <= 731 else { throw invalid("a range is at most two years") }
            return (range, "custom")
        }
        let period = query["period"].map(String.init) ?? "30d"
        let days: Int
        switch period {
        case "today": days = 1
        case "7d": days = 7
        case "30d": days = 30
        case "365d": days = 365
        default: throw invalid("period is today, 7d, 30d or 365d, or give from and to")
        }
        return (Analytics.Range(from: today.offset(1 - days), through: today), period)
    }

    func scope(_ request: Request, _ context: Context) async throws -> Scope {
        guard let signedIn = context.signedIn else {
            throw APIError(.unauthorized, code: .notSignedIn, message: "sign in first")
        }
        var admin: AdminRequest?
        let business: BusinessDirectory.Business
        if signedIn.account.role == .admin {
            admin = try AdminController<Context>.admin(request, context)
            guard let slug = request.uri.queryParameters["business"].map(String.init),
                let found = try await BusinessDirectory.businesses(pool, slug: slug).first
            else { throw APIError(.notFound, code: .notFound, message: "name a business: ?business=slug") }
            business = found
        } else {
            guard signedIn.atLeast(.manager), let id = signedIn.business else {
                throw APIError(.forbidden, code: .forbidden, message: "analytics are for owners and managers")
            }
            guard let found = try await BusinessDirectory.businesses(pool).first(where: { $0.id == id }) else {
                throw APIError(.notFound, code: .notFound, message: "no business")
            }
            business = found
        }
        let zone = TimeZone(identifier: business.timeZone) ?? TimeZone(identifier: "Asia/Beirut")!
        let (range, period) = try AnalyticsController.range(request, today: LocalDate(Date(), in: zone))
        let branch = try OrdersController<Context>.branch(request, signedIn)
        // What was asked is checked first (a 400 whatever the plan); then the plan (SPEC §2.9).
        if admin == nil {
            let plan = try await pool.withBusiness(business.id) { try await Analytics.plan(of: business.id, on: $0) }
            guard let plan, plan.premium() else {
                throw APIError(
                    .paymentRequired,
                    code: .init("premium_required"),
                    message: "analytics come with the premium plan; ask Talab to upgrade your business"
                )
            }
        }
        return Scope(business: business, range: range, branch: branch, admin: admin, signedIn: signedIn, period: period)
    }

    /// The report of a request's scope: today rolled up again when stale, then both ranges read in
    /// one transaction (the business's scope, or the admin's path).
    func report(_ scope: Scope) async throws -> AnalyticsReport {
        let zone = TimeZone(identifier: scope.business.timeZone) ?? TimeZone(secondsFromGMT: 0)!
        let today = LocalDate(Date(), in: zone)
        if scope.range.through >= today {
            let computed = try await Analytics.computedAt(business: scope.business.id, date: today, pool: pool)
            if computed.map({ Date().timeIntervalSince($0) > 60 }) ?? true {
                _ = try await rollup.rollup(business: scope.business, date: today)
            }
        }
        let business = scope.business
        if let admin = scope.admin {
            // The admin path: everything in one transaction, the request recorded once.
            return try await pool.withAdmin(admin) { connection in
                try await AnalyticsReport.read(
                    business: business.id,
                    range: scope.range,
                    branch: scope.branch,
                    zone: zone,
                    currency: business.currency,
                    branchNames: try await Analytics.branchNames(business: business.id, pool: pool),
                    on: connection
                )
            }
        }
        let profile = try await pool.withBusiness(business.id) { try await OrderBoard.profile(on: $0) }
        let names = Dictionary((profile?.branches ?? []).map { ($0.id, $0.name) }) { first, _ in first }
        return try await AnalyticsReport.read(
            business: business.id,
            range: scope.range,
            branch: scope.branch,
            zone: zone,
            currency: business.currency,
            branchNames: names.isEmpty ? try await Analytics.branchNames(business: business.id, pool: pool) : names,
            reader: .business(business.id),
            pool: pool
        )
    }

    // MARK: the API

    @Sendable func everything(_ request: Request, context: Context) async throws -> Response {
        let scope = try await scope(request, context)
        let report = try await report(scope)
        let tables = AnalyticsController.reports.map { name in
            "\"\(name.replacingOccurrences(of: "-", with: "_"))\":" + AnalyticsTables.table(name, report).json
        }
        return OrdersController<Context>.json(
            "{\"business\":\(AnalyticsTables.quote(scope.business.slug)),\"period\":\(AnalyticsTables.period(report, scope.period)),"
                + tables.joined(separator: ",") + "}"
        )
    }

    @Sendable func one(_ request: Request, context: Context) async throws -> Response {
        var name = context.parameters.get("report") ?? ""
        var csv = request.uri.queryParameters["format"] == "csv"
        if name.hasSuffix(".csv") {
            name.removeLast(4)
            csv = true
        }
        guard AnalyticsController.reports.contains(name) else {
            throw APIError(
                .notFound,
                code: .notFound,
                message: "no report \(name): " + AnalyticsController.reports.joined(separator: ", ")
            )
        }
        let scope = try await scope(request, context)
        let table = AnalyticsTables.table(name, try await report(scope))
        if csv {
            let file = "\(scope.business.slug)-\(name)-\(scope.range.from.text)-\(scope.range.through.text).csv"
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"\(file)\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: table.csv))
            )
        }
        return OrdersController<Context>.json(table.json)
    }
}

extension HTTPResponse.Status {
    /// 402: what SPEC §2.9's premium plan would open.
    public static var paymentRequired: HTTPResponse.Status {
        HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
    }
}
