public import Foundation

/// The reports of SPEC §11 made from two ranges' `Analytics.Figures`: the range asked for and the
/// one of the same length just before it, each figure with its previous value beside it.
/// Revenue is completed orders only; cancelled orders are counted on their own.
public struct AnalyticsReport: Sendable {
    public let range: Analytics.Range
    public let previousRange: Analytics.Range
    public let currency: String
    /// Branch names by id, for the reports that name branches.
    public let branchNames: [UUID: String]

    /// A number now and in the previous range.
    public struct Compared<Value: Sendable & Equatable>: Sendable, Equatable {
        public let value: Value
        public let previous: Value
    }

    public struct Summary: Sendable, Equatable {
        public let orders: Compared<Int>
        public let revenue: Compared<Decimal>
        public let cancelled: Compared<Int>
        public let averageOrderValue: Compared<Decimal?>
        public let customers: Compared<Int>
    }

    public struct DaySales: Sendable, Equatable {
        public let date: LocalDate
        public let orders: Int
        public let revenue: Decimal
    }

    public struct ItemRow: Sendable, Equatable {
        public let item: Analytics.Item
        public let previousQuantity: Int?
    }

    public struct RepeatCustomers: Sendable, Equatable {
        public let customers: Int
        public let repeating: Int
        public let returningWithin30Days: Int
        /// Repeating customers' share of the customers, and the previous range's.
        public let share: Compared<Double?>
    }

    public struct Completion: Sendable, Equatable {
        public let branch: UUID?
        public let orders: Int
        public let p50Seconds: Int?
        public let p90Seconds: Int?
    }

    public struct BranchRow: Sendable, Equatable {
        public let branch: UUID
        public let name: String
        public let orders: Int
        public let revenue: Compared<Decimal>
        public let averageOrderValue: Decimal?
        public let cancelled: Int
        public let completionP50Seconds: Int?
    }

    public struct LanguageRow: Sendable, Equatable {
        public let language: String
        public let orders: Int
        public let share: Compared<Double?>
    }

    public let summary: Summary
    /// Every date of the range, days without orders included.
    public let byDay: [DaySales]
    /// Weeks starting on Monday (the first may be partial).
    public let byWeek: [DaySales]
    /// Orders placed by weekday (0 Monday … 6 Sunday) and local hour.
    public let heat: [[Int]]
    public let items: [ItemRow]
    public let spenders: [Analytics.Spender]
    public let repeatCustomers: RepeatCustomers
    public let completion: Completion
    public let completionByBranch: [Completion]
    public let previousCompletion: Completion
    /// How long the business took to accept orders (placed → accepted), and before.
    public let replyTime: Completion
    public let previousReplyTime: Completion
    public let branches: [BranchRow]
    public let languages: [LanguageRow]
    /// What conversations came to beyond the orders (carts begun, lines not understood, items asked
    /// for while unavailable, confirmations refused while paused, hand-offs), when it was read.
    public var conversations = ConversationEvents.Summary()

    public init(
        range: Analytics.Range,
        figures: Analytics.Figures,
        previous: Analytics.Figures,
        currency: String,
        branchNames: [UUID: String]
    ) {
        self.range = range
        previousRange = range.previous
        self.currency = currency
        self.branchNames = branchNames
        func sum(_ days: [Analytics.Day], _ value: (Analytics.Day) -> Int) -> Int { days.reduce(0) { $0 + value($1) } }
        func revenue(_ days: [Analytics.Day]) -> Decimal { days.reduce(0) { $0 + $1.revenue } }
        func average(_ days: [Analytics.Day]) -> Decimal? {
            let orders = sum(days, \.orders)
            return orders == 0 ? nil : AnalyticsReport.money(revenue(days) / Decimal(orders))
        }
        let now = figures.days
        let before = previous.days
        summary = Summary(
            orders: Compared(value: sum(now, \.orders), previous: sum(before, \.orders)),
            revenue: Compared(value: revenue(now), previous: revenue(before)),
            cancelled: Compared(value: sum(now, \.cancelled), previous: sum(before, \.cancelled)),
            averageOrderValue: Compared(value: average(now), previous: average(before)),
            customers: Compared(value: figures.customers.count, previous: previous.customers.count)
        )

        var perDate: [LocalDate: (Int, Decimal)] = [:]
        var heat = [[Int]](repeating: [Int](repeating: 0, count: 24), count: 7)
        for day in now {
            let sofar = perDate[day.date] ?? (0, 0)
            perDate[day.date] = (sofar.0 + day.orders, sofar.1 + day.revenue)
            let weekday = AnalyticsReport.weekday(day.date)
            for (hour, count) in day.hourly.prefix(24).enumerated() { heat[weekday][hour] += count }
        }
        var days: [DaySales] = []
        var date = range.from
        while date <= range.through {
            let value = perDate[date] ?? (0, 0)
            days.append(DaySales(date: date, orders: value.0, revenue: value.1))
            date = date.next
        }
        byDay = days
        var weeks: [DaySales] = []
        for day in days {
            if let last = weeks.last, AnalyticsReport.weekday(day.date) != 0 {
                weeks[weeks.count - 1] = DaySales(
                    date: last.date,
                    orders: last.orders + day.orders,
                    revenue: last.revenue + day.revenue
                )
            } else {
                weeks.append(day)
            }
        }
        byWeek = weeks
        self.heat = heat

        let previousQuantities = Dictionary(previous.items.map { ($0.id, $0.quantity) }) { first, _ in first }
        items = figures.items.map { ItemRow(item: $0, previousQuantity: previousQuantities[$0.id]) }
        spenders = figures.spenders
        func share(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }
        repeatCustomers = RepeatCustomers(
            customers: figures.customers.count,
            repeating: figures.customers.repeating,
            returningWithin30Days: figures.customers.returningWithin30Days,
            share: Compared(
                value: share(figures.customers.repeating, figures.customers.count),
                previous: share(previous.customers.repeating, previous.customers.count)
            )
        )

        func completed(_ days: [Analytics.Day], branch: UUID?) -> Completion {
            let seconds = days.flatMap(\.completionSeconds).sorted()
            return Completion(
                branch: branch,
                orders: seconds.count,
                p50Seconds: AnalyticsReport.percentile(seconds, 0.5),
                p90Seconds: AnalyticsReport.percentile(seconds, 0.9)
            )
        }
        completion = completed(now, branch: nil)
        previousCompletion = completed(before, branch: nil)
        func accepted(_ days: [Analytics.Day]) -> Completion {
            let seconds = days.flatMap(\.acceptSeconds).sorted()
            return Completion(
                branch: nil,
                orders: seconds.count,
                p50Seconds: AnalyticsReport.percentile(seconds, 0.5),
                p90Seconds: AnalyticsReport.percentile(seconds, 0.9)
            )
        }
        replyTime = accepted(now)
        previousReplyTime = accepted(before)
        let branchIDs = Set(now.map(\.branch)).union(before.map(\.branch)).sorted {
            (branchNames[$0] ?? $0.uuidString) < (branchNames[$1] ?? $1.uuidString)
        }
        completionByBranch = branchIDs.map { id in completed(now.filter { $0.branch == id }, branch: id) }
        branches = branchIDs.map { id in
            let mine = now.filter { $0.branch == id }
            let theirs = before.filter { $0.branch == id }
            return BranchRow(
                branch: id,
                name: branchNames[id] ?? "",
                orders: sum(mine, \.orders),
                revenue: Compared(value: revenue(mine), previous: revenue(theirs)),
                averageOrderValue: average(mine),
                cancelled: sum(mine, \.cancelled),
                completionP50Seconds: completed(mine, branch: id).p50Seconds
            )
        }

        func languages(_ days: [Analytics.Day]) -> [String: Int] {
            days.reduce(into: [:]) { total, day in
                for (language, count) in day.languages { total[language, default: 0] += count }
            }
        }
        let spoken = languages(now)
        let spokenBefore = languages(before)
        let placed = spoken.values.reduce(0, +)
        let placedBefore = spokenBefore.values.reduce(0, +)
        self.languages = ["arabic", "arabizi", "english", "french"].map { language in
            LanguageRow(
                language: language,
                orders: spoken[language] ?? 0,
                share: Compared(
                    value: share(spoken[language] ?? 0, placed),
                    previous: share(spokenBefore[language] ?? 0, placedBefore)
                )
            )
        }
    }

    /// 0 for Monday … 6 for Sunday.
    static func weekday(_ date: LocalDate) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let moment = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        return (calendar.component(.weekday, from: moment) + 5) % 7
    }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int], _ fraction: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Rounded to cents, half away from zero.
    static func money(_ value: Decimal) -> Decimal {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, 2, .plain)
        return rounded
    }
}

extension AnalyticsReport {
    /// A range's report as the dashboard reads it: the range, the one before it and the
    /// conversations side by side (and within each range, its parts), on two cores about half the
    /// time of one after the other. Days are the business's (`zone`).
    public static func read(
        business: UUID,
        range: Analytics.Range,
        branch: UUID?,
        zone: TimeZone,
        currency: String,
        branchNames: [UUID: String] = [:],
        reader: Analytics.Reader,
        pool: PostgresPool
    ) async throws -> AnalyticsReport {
        async let current = Analytics.figures(
            business: business,
            range: range,
            branch: branch,
            reader: reader,
            pool: pool
        )
        async let before = Analytics.figures(
            business: business,
            range: range.previous,
            branch: branch,
            detailed: false,
            reader: reader,
            pool: pool
        )
        async let summary = reader.transaction(pool) { connection in
            try await conversations(business: business, range: range, branch: branch, zone: zone, on: connection)
        }
        var report = AnalyticsReport(
            range: range,
            figures: try await current,
            previous: try await before,
            currency: currency,
            branchNames: branchNames
        )
        report.conversations = try await summary
        return report
    }

    /// The same, one part after the other in the caller's transaction (the admin path: its
    /// request recorded once).
    public static func read(
        business: UUID,
        range: Analytics.Range,
        branch: UUID?,
        zone: TimeZone,
        currency: String,
        branchNames: [UUID: String] = [:],
        on connection: PostgresConnection
    ) async throws -> AnalyticsReport {
        var report = AnalyticsReport(
            range: range,
            figures: try await Analytics.figures(business: business, range: range, branch: branch, on: connection),
            previous: try await Analytics.figures(
                business: business,
                range: range.previous,
                branch: branch,
                detailed: false,
                on: connection
            ),
            currency: currency,
            branchNames: branchNames
        )
        report.conversations = try await conversations(
            business: business,
            range: range,
            branch: branch,
            zone: zone,
            on: connection
        )
        return report
    }

    /// The conversations of the range's days, from the start of its first to the end of its last.
    static func conversations(
        business: UUID,
        range: Analytics.Range,
        branch: UUID?,
        zone: TimeZone,
        on connection: PostgresConnection
    ) async throws -> ConversationEvents.Summary {
        try await ConversationEvents.summary(
            business: business,
            from: range.from.bounds(in: zone)?.0 ?? Date(),
            until: range.through.bounds(in: zone)?.1 ?? Date(),
            branch: branch,
            zone: zone.identifier,
            on: connection
        )
    }
}
