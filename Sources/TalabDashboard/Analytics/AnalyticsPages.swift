import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TalabCore
import TalabHTTP
import TalabStore

/// `/dashboard/analytics`: every report on one page, a chart and its table each, with the period
/// and branch chosen at the top and a CSV beside each report (`/dashboard/analytics/{report}.csv`).
/// A business without premium sees what premium would give it, with HTTP 402.
struct AnalyticsPages<Context: DashboardRequestContext>: Sendable {
    let renderer: PageRenderer
    let analytics: AnalyticsController<Context>

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let pages = router.group("/dashboard/analytics")
            .add(middleware: FriendlyErrors(renderer: renderer))
            .add(middleware: authentication.forPages)
        pages.get(use: page)
        pages.get(":report", use: analytics.one)
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        let language = PageRenderer.language(request, account: context.signedIn?.account.language)
        let text = renderer.text(language)
        let rtl = text["dir"] == "rtl"
        let chrome: [String: Any] = [
            "signedIn": true, "csrf": context.signedIn?.csrf ?? "", "canSettings": true, "onAnalytics": true,
            "admin": context.signedIn?.account.role == .admin,
        ]
        let scope: AnalyticsController<Context>.Scope
        do {
            scope = try await analytics.scope(request, context)
        } catch let error as APIError where error.status == .paymentRequired {
            return renderer.page(
                "upgrade",
                [:],
                title: text["upgrade_title"] ?? "",
                language: language,
                chrome: chrome,
                status: .paymentRequired
            )
        }
        let report = try await analytics.report(scope)
        let money = { (value: Decimal?) -> String in value.map { Money($0, report.currency).description } ?? "—" }
        /// The change from the previous range, and whether it is good news (fewer cancellations are).
        func change(_ now: Double?, _ before: Double?, lowerIsBetter: Bool = false) -> [String: Any] {
            guard let now, let before, before != 0 else { return ["none": true] }
            let ratio = (now - before) / before
            return [
                "up": ratio > 0, "down": ratio < 0, "good": ratio != 0 && (ratio > 0) != lowerIsBetter,
                "text": String(format: "%@%.0f %%", ratio > 0 ? "+" : "", ratio * 100),
            ]
        }
        func double(_ value: Decimal?) -> Double? { value.map { NSDecimalNumber(decimal: $0).doubleValue } }
        let summary = report.summary
        let cards: [[String: Any]] = [
            [
                "label": text["revenue"] ?? "", "value": money(summary.revenue.value),
                "change": change(double(summary.revenue.value), double(summary.revenue.previous)),
            ],
            [
                "label": text["orders_count"] ?? "", "value": "\(summary.orders.value)",
                "change": change(Double(summary.orders.value), Double(summary.orders.previous)),
            ],
            [
                "label": text["average_order_value"] ?? "", "value": money(summary.averageOrderValue.value),
                "change": change(double(summary.averageOrderValue.value), double(summary.averageOrderValue.previous)),
            ],
            [
                "label": text["customers"] ?? "", "value": "\(summary.customers.value)",
                "change": change(Double(summary.customers.value), Double(summary.customers.previous)),
            ],
            [
                "label": text["cancelled_orders"] ?? "", "value": "\(summary.cancelled.value)",
                "change": change(
                    Double(summary.cancelled.value),
                    Double(summary.cancelled.previous),
                    lowerIsBetter: true
                ),
            ],
        ]
        let days = (0..<7).map { text["weekday_\($0)"] ?? "\($0)" }
        let minutes = { (seconds: Int?) -> String in
            seconds.map { "\(($0 + 30) / 60) \(text["minutes"] ?? "min")" } ?? "—"
        }
        var query = "period=\(scope.period)"
        if scope.period == "custom" { query = "from=\(scope.range.from.text)&to=\(scope.range.through.text)" }
        if let branch = scope.branch { query += "&branch=\(branch.lowercasedText)" }
        if scope.admin != nil { query += "&business=\(scope.business.slug)" }
        let repeating = report.repeatCustomers
        let values: [String: Any] = [
            "business": scope.business.name, "from": scope.range.from.text, "to": scope.range.through.text,
            "previousFrom": report.previousRange.from.text, "previousTo": report.previousRange.through.text,
            "query": query, "cards": cards, "adminBusiness": scope.admin.map { _ in scope.business.slug } ?? "",
            "periods": ["today", "7d", "30d", "365d"].map { period in
                [
                    "period": period, "label": text["period_\(period)"] ?? period, "here": period == scope.period,
                    "branch": scope.branch.map { "&branch=\($0.lowercasedText)" } ?? "",
                    "business": scope.admin.map { _ in "&business=\(scope.business.slug)" } ?? "",
                ] as [String: Any]
            },
            "salesChart": AnalyticsCharts.line(
                report.byDay.map { double($0.revenue) ?? 0 },
                first: report.range.from.text,
                last: report.range.through.text,
                top: money(report.byDay.map(\.revenue).max()),
                label: text["sales_over_time"] ?? "",
                rtl: rtl
            ),
            "heatChart": AnalyticsCharts.heat(report.heat, days: days, label: text["busy_hours"] ?? "", rtl: rtl),
            "itemsChart": AnalyticsCharts.bars(
                report.items.prefix(10).map { ($0.item.name, Double($0.item.quantity), "\($0.item.quantity)") },
                label: text["top_items"] ?? "",
                rtl: rtl
            ),
            "items": report.items.map { row -> [String: Any] in
                [
                    "name": row.item.name, "quantity": row.item.quantity, "revenue": money(row.item.revenue),
                    "previous": row.previousQuantity.map(String.init) ?? "—",
                    "options": row.item.options.prefix(4).map { "\($0.name) ×\($0.count)" }.joined(separator: ", "),
                ]
            },
            "spenders": report.spenders.map { spender -> [String: Any] in
                [
                    "name": spender.name ?? "+\(spender.customer)", "orders": spender.orders,
                    "spent": money(spender.spent), "last": spender.lastOrder.text,
                ]
            },
            "customers": repeating.customers, "repeating": repeating.repeating,
            "share": repeating.share.value.map { String(format: "%.0f %%", $0 * 100) } ?? "—",
            "previousShare": repeating.share.previous.map { String(format: "%.0f %%", $0 * 100) } ?? "—",
            "returning": repeating.returningWithin30Days,
            "p50": minutes(report.completion.p50Seconds), "p90": minutes(report.completion.p90Seconds),
            "previousP50": minutes(report.previousCompletion.p50Seconds),
            "replyP50": minutes(report.replyTime.p50Seconds), "replyP90": minutes(report.replyTime.p90Seconds),
            "previousReplyP50": minutes(report.previousReplyTime.p50Seconds),
            "branchesChart": AnalyticsCharts.bars(
                report.branches.map { ($0.name, double($0.revenue.value) ?? 0, money($0.revenue.value)) },
                label: text["branch_performance"] ?? "",
                rtl: rtl
            ),
            "branches": report.branches.map { row -> [String: Any] in
                [
                    "name": row.name, "orders": row.orders, "revenue": money(row.revenue.value),
                    "previous": money(row.revenue.previous), "average": money(row.averageOrderValue),
                    "cancelled": row.cancelled, "p50": minutes(row.completionP50Seconds),
                ]
            },
            "funnelChart": AnalyticsCharts.bars(
                [
                    (text["funnel_started"] ?? "", Double(report.conversations.counts["started"] ?? 0)),
                    (text["funnel_carts"] ?? "", Double(report.conversations.counts["cart"] ?? 0)),
                    (text["funnel_confirmed"] ?? "", Double(report.conversations.counts["confirmed"] ?? 0)),
                    (text["funnel_completed"] ?? "", Double(summary.orders.value)),
                ].map { ($0.0, $0.1, String(Int($0.1))) },
                label: text["conversations_funnel"] ?? "",
                rtl: rtl
            ),
            "missed": [
                ("not_understood", "missed_not_understood"), ("unavailable", "missed_unavailable"),
                ("paused", "missed_paused"), ("hand_off", "missed_hand_off"),
            ].map { kind, label -> [String: Any] in
                ["label": text[label] ?? kind, "count": String(report.conversations.counts[kind] ?? 0)]
            }
                // Of the customers' days that met an unavailable item or a pause, those without an order.
                + ["unavailable", "paused"].map { kind -> [String: Any] in
                    let conversations = report.conversations
                    return [
                        "label": text["lost_\(kind)"] ?? kind,
                        "count": "\(conversations.lost[kind] ?? 0) / \(conversations.missed[kind] ?? 0)",
                    ]
                },
            "demand": report.conversations.unavailable.map { ["text": $0.item, "count": $0.count] as [String: Any] }
                + report.conversations.notUnderstood.prefix(10).map {
                    ["text": $0.text, "count": $0.count] as [String: Any]
                },
            "languagesChart": AnalyticsCharts.bars(
                report.languages.map { row in
                    (
                        text["language_\(row.language)"] ?? row.language, row.share.value ?? 0,
                        row.share.value.map { String(format: "%.0f %%", $0 * 100) } ?? "—"
                    )
                },
                label: text["languages_used"] ?? "",
                rtl: rtl
            ),
            "languages": report.languages.map { row -> [String: Any] in
                [
                    "name": text["language_\(row.language)"] ?? row.language, "orders": row.orders,
                    "share": row.share.value.map { String(format: "%.0f %%", $0 * 100) } ?? "—",
                    "previous": row.share.previous.map { String(format: "%.0f %%", $0 * 100) } ?? "—",
                ]
            },
        ]
        return renderer.page(
            "analytics",
            values,
            title: text["analytics"] ?? "Analytics",
            language: language,
            chrome: chrome.merging(["business": scope.business.name]) { _, new in new }
        )
    }
}
