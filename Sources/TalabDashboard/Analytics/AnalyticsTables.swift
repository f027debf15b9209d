import Foundation
import TalabStore

/// Each report as a table: the same rows for the API (JSON objects), the CSV export and the page's
/// table beside its chart. Money is exact (`Decimal` as text), shares are fractions, times seconds.
struct AnalyticsTable {
    enum Cell {
        case text(String?)
        case int(Int?)
        case money(Decimal?)
        case share(Double?)

        var json: String {
            switch self {
            case .text(let value): value.map(AnalyticsTables.quote) ?? "null"
            case .int(let value): value.map(String.init) ?? "null"
            case .money(let value): value.map { AnalyticsTables.quote(AnalyticsTables.amount($0)) } ?? "null"
            case .share(let value): value.map { String(format: "%.4f", $0) } ?? "null"
            }
        }

        var csv: String {
            switch self {
            case .text(let value): AnalyticsTables.csvText(value ?? "")
            case .int(let value): value.map(String.init) ?? ""
            case .money(let value): value.map(AnalyticsTables.amount) ?? ""
            case .share(let value): value.map { String(format: "%.4f", $0) } ?? ""
            }
        }
    }

    let columns: [String]
    let rows: [[Cell]]

    var json: String {
        "["
            + rows.map { row in
                "{" + zip(columns, row).map { "\(AnalyticsTables.quote($0)):\($1.json)" }.joined(separator: ",") + "}"
            }.joined(separator: ",") + "]"
    }

    var csv: String {
        ([columns.joined(separator: ",")] + rows.map { $0.map(\.csv).joined(separator: ",") })
            .joined(separator: "\r\n") + "\r\n"
    }
}

enum AnalyticsTables {
    static func table(_ name: String, _ report: AnalyticsReport) -> AnalyticsTable {
        typealias Cell = AnalyticsTable.Cell
        func change<Value>(_ compared: AnalyticsReport.Compared<Value>, _ number: (Value) -> Double?) -> Cell {
            guard let now = number(compared.value), let before = number(compared.previous), before != 0 else {
                return .share(nil)
            }
            return .share((now - before) / before)
        }
        func double(_ value: Decimal?) -> Double? { value.map { NSDecimalNumber(decimal: $0).doubleValue } }
        switch name {
        case "summary":
            let summary = report.summary
            return AnalyticsTable(
                columns: ["measure", "value", "previous", "change"],
                rows: [
                    [
                        .text("orders"), .int(summary.orders.value), .int(summary.orders.previous),
                        change(summary.orders) { Double($0) },
                    ],
                    [
                        .text("revenue"), .money(summary.revenue.value), .money(summary.revenue.previous),
                        change(summary.revenue, double),
                    ],
                    [
                        .text("cancelled"), .int(summary.cancelled.value), .int(summary.cancelled.previous),
                        change(summary.cancelled) { Double($0) },
                    ],
                    [
                        .text("average_order_value"), .money(summary.averageOrderValue.value),
                        .money(summary.averageOrderValue.previous), change(summary.averageOrderValue) { double($0) },
                    ],
                    [
                        .text("customers"), .int(summary.customers.value), .int(summary.customers.previous),
                        change(summary.customers) { Double($0) },
                    ],
                ]
            )
        case "sales":
            return AnalyticsTable(
                columns: ["date", "orders", "revenue"],
                rows: report.byDay.map { [.text($0.date.text), .int($0.orders), .money($0.revenue)] }
            )
        case "weeks":
            return AnalyticsTable(
                columns: ["week_from", "orders", "revenue"],
                rows: report.byWeek.map { [.text($0.date.text), .int($0.orders), .money($0.revenue)] }
            )
        case "hours":
            let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            return AnalyticsTable(
                columns: ["weekday"] + (0..<24).map { String(format: "h%02d", $0) },
                rows: report.heat.enumerated().map { day, hours in [.text(days[day])] + hours.map { .int($0) } }
            )
        case "items":
            return AnalyticsTable(
                columns: ["item_id", "name", "quantity", "revenue", "previous_quantity", "options"],
                rows: report.items.map { row in
                    [
                        .text(row.item.id), .text(row.item.name), .int(row.item.quantity), .money(row.item.revenue),
                        .int(row.previousQuantity),
                        .text(row.item.options.map { "\($0.name) ×\($0.count)" }.joined(separator: "; ")),
                    ]
                }
            )
        case "spenders":
            return AnalyticsTable(
                columns: ["customer", "name", "orders", "spent", "last_order"],
                rows: report.spenders.map { spender in
                    [
                        .text(spender.customer), .text(spender.name), .int(spender.orders), .money(spender.spent),
                        .text(spender.lastOrder.text),
                    ]
                }
            )
        case "customers":
            let repeating = report.repeatCustomers
            return AnalyticsTable(
                columns: ["customers", "repeating", "share", "previous_share", "returning_within_30_days"],
                rows: [
                    [
                        .int(repeating.customers), .int(repeating.repeating), .share(repeating.share.value),
                        .share(repeating.share.previous), .int(repeating.returningWithin30Days),
                    ]
                ]
            )
        case "order-value":
            return AnalyticsTable(
                columns: ["average_order_value", "previous", "change", "orders", "revenue"],
                rows: [
                    [
                        .money(report.summary.averageOrderValue.value),
                        .money(report.summary.averageOrderValue.previous),
                        change(report.summary.averageOrderValue) { double($0) }, .int(report.summary.orders.value),
                        .money(report.summary.revenue.value),
                    ]
                ]
            )
        case "completion":
            let all = report.completion
            return AnalyticsTable(
                columns: ["branch_id", "branch", "orders", "p50_seconds", "p90_seconds", "previous_p50_seconds"],
                rows: [
                    [
                        .text(nil), .text("all"), .int(all.orders), .int(all.p50Seconds), .int(all.p90Seconds),
                        .int(report.previousCompletion.p50Seconds),
                    ]
                ]
                    + report.completionByBranch.map { row in
                        [
                            .text(row.branch?.lowercasedText), .text(row.branch.flatMap { report.branchNames[$0] }),
                            .int(row.orders), .int(row.p50Seconds), .int(row.p90Seconds), .int(nil),
                        ]
                    }
            )
        case "reply-time":
            return AnalyticsTable(
                columns: ["orders", "p50_seconds", "p90_seconds", "previous_p50_seconds", "previous_p90_seconds"],
                rows: [
                    [
                        .int(report.replyTime.orders), .int(report.replyTime.p50Seconds),
                        .int(report.replyTime.p90Seconds), .int(report.previousReplyTime.p50Seconds),
                        .int(report.previousReplyTime.p90Seconds),
                    ]
                ]
            )
        case "conversations":
            // The funnel, then what customers did not get.
            let counts = report.conversations.counts
            return AnalyticsTable(
                columns: ["step", "count"],
                rows: [
                    [.text("conversations_begun"), .int(counts["started"] ?? 0)],
                    [.text("carts_begun"), .int(counts["cart"] ?? 0)],
                    [.text("orders_confirmed"), .int(counts["confirmed"] ?? 0)],
                    [.text("orders_completed"), .int(report.summary.orders.value)],
                    [.text("not_understood"), .int(counts["not_understood"] ?? 0)],
                    [.text("asked_while_unavailable"), .int(counts["unavailable"] ?? 0)],
                    [.text("refused_while_paused"), .int(counts["paused"] ?? 0)],
                    [.text("hand_offs"), .int(counts["hand_off"] ?? 0)],
                    [.text("days_with_unavailable_item"), .int(report.conversations.missed["unavailable"] ?? 0)],
                    [.text("orders_lost_unavailable"), .int(report.conversations.lost["unavailable"] ?? 0)],
                    [.text("days_with_pause_refusal"), .int(report.conversations.missed["paused"] ?? 0)],
                    [.text("orders_lost_paused"), .int(report.conversations.lost["paused"] ?? 0)],
                ]
            )
        case "demand":
            let conversations = report.conversations
            return AnalyticsTable(
                columns: ["kind", "text", "count"],
                rows: conversations.unavailable.map { [.text("unavailable"), .text($0.item), .int($0.count)] }
                    + conversations.notUnderstood.map { [.text("not_understood"), .text($0.text), .int($0.count)] }
            )
        case "branches":
            return AnalyticsTable(
                columns: [
                    "branch_id", "branch", "orders", "revenue", "previous_revenue", "average_order_value", "cancelled",
                    "completion_p50_seconds",
                ],
                rows: report.branches.map { row in
                    [
                        .text(row.branch.lowercasedText), .text(row.name), .int(row.orders), .money(row.revenue.value),
                        .money(row.revenue.previous), .money(row.averageOrderValue), .int(row.cancelled),
                        .int(row.completionP50Seconds),
                    ]
                }
            )
        default:  // languages
            return AnalyticsTable(
                columns: ["language", "orders", "share", "previous_share"],
                rows: report.languages.map { row in
                    [.text(row.language), .int(row.orders), .share(row.share.value), .share(row.share.previous)]
                }
            )
        }
    }

    static func period(_ report: AnalyticsReport, _ name: String) -> String {
        "{\"name\":\(quote(name)),\"from\":\(quote(report.range.from.text)),\"to\":\(quote(report.range.through.text)),"
            + "\"previous_from\":\(quote(report.previousRange.from.text)),"
            + "\"previous_to\":\(quote(report.previousRange.through.text)),\"currency\":\(quote(report.currency))}"
    }

    /// An amount with two decimals, as the database keeps money: `34.50`.
    static func amount(_ value: Decimal) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 2, .plain)
        let text = "\(rounded)"
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        return decimals >= 2 ? text : text + String(repeating: "0", count: 2 - decimals)
    }

    /// A JSON string.
    static func quote(_ text: String) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]))
            ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// A CSV field: quoted when it must be, and never read as a formula by a spreadsheet (a text
    /// beginning with = + - @ or a tab gets a leading apostrophe).
    static func csvText(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
