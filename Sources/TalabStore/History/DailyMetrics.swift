public import Foundation

/// What one branch's orders placed on one local date came to: the row of `daily_business_metrics`.
/// Computed from order documents alone (`compute`), so live and archived orders count alike.
public struct DailyMetrics: Sendable, Equatable {
    public struct ItemTally: Sendable, Equatable, Codable {
        public var name: String
        public var quantity: Int
        public var revenue: Decimal
        /// How many of the item were ordered with each option (by its name); absent in rows rolled
        /// up before options were counted.
        public var options: [String: Int]?
    }

    public struct CustomerTally: Sendable, Equatable, Codable {
        public var orders: Int
        public var spent: Decimal
    }

    public let business: UUID
    public let branch: UUID
    /// The local calendar date, `YYYY-MM-DD`.
    public let date: String
    public var currency: String
    /// Completed orders, and what they came to.
    public var ordersCount = 0
    public var revenueTotal: Decimal = 0
    public var cancelledCount = 0
    /// Placed that day and neither completed nor cancelled yet.
    public var openCount = 0
    /// Every item of completed orders, by catalog id.
    public var items: [UUID: ItemTally] = [:]
    /// Orders placed in each local hour, 0 to 23.
    public var hourlyOrders = [Int](repeating: 0, count: 24)
    /// Completed orders' customers (phone, else `user:<id>`).
    public var customers: [String: CustomerTally] = [:]
    /// Customers of this day who completed an order on an earlier day; set by the rollup, which
    /// knows each customer's first day.
    public var repeatCustomersCount = 0
    /// Seconds from placed to completed, sorted.
    public var completionSeconds: [Int] = []
    /// Seconds from placed to accepted of each order the business accepted, sorted.
    public var acceptSeconds: [Int] = []
    /// Orders placed, by the language they were placed in (`unknown` when none was read).
    public var languages: [String: Int] = [:]

    public var averageOrderValue: Decimal? {
        guard ordersCount > 0 else { return nil }
        var average = revenueTotal / Decimal(ordersCount)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &average, 2, .bankers)
        return rounded
    }

    /// The ten items ordered most (by quantity, then revenue, then name).
    public var topItems: [(id: UUID, tally: ItemTally)] {
        Array(
            items.map { (id: $0.key, tally: $0.value) }.sorted {
                ($0.tally.quantity, $0.tally.revenue, $1.tally.name) > (
                    $1.tally.quantity, $1.tally.revenue, $0.tally.name
                )
            }.prefix(10)
        )
    }

    /// The (up to three) hours with the most orders, busiest first, earlier first on a tie.
    public var peakHours: [Int] {
        Array(
            hourlyOrders.enumerated().filter { $0.element > 0 }.sorted {
                ($1.element, $0.offset) < ($0.element, $1.offset)
            }
            .prefix(3).map(\.offset)
        )
    }

    /// Nearest-rank percentile of the completion times.
    public func completionPercentile(_ fraction: Double) -> Int? {
        guard !completionSeconds.isEmpty else { return nil }
        let rank = max(Int((fraction * Double(completionSeconds.count)).rounded(.up)), 1)
        return completionSeconds[rank - 1]
    }

    public init(business: UUID, branch: UUID, date: String, currency: String) {
        self.business = business
        self.branch = branch
        self.date = date
        self.currency = currency
    }

    /// The metrics of each branch with orders among `records` (the orders placed on `date` in
    /// `zone`), by branch id.
    public static func compute(
        _ records: [OrderRecord],
        business: UUID,
        date: String,
        zone: TimeZone
    ) -> [UUID: DailyMetrics] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var branches: [UUID: DailyMetrics] = [:]
        for record in records {
            let order = record.order
            var metrics =
                branches[order.branchID]
                ?? DailyMetrics(business: business, branch: order.branchID, date: date, currency: order.currency)
            metrics.hourlyOrders[calendar.component(.hour, from: order.createdAt)] += 1
            metrics.languages[order.language ?? "unknown", default: 0] += 1
            if let accepted = record.acceptedAt {
                metrics.acceptSeconds.append(max(Int(accepted.timeIntervalSince(order.createdAt).rounded()), 0))
            }
            switch order.status {
            case "completed":
                metrics.ordersCount += 1
                metrics.revenueTotal += order.total
                for item in record.items {
                    var tally =
                        metrics.items[item.itemID] ?? ItemTally(name: item.name, quantity: 0, revenue: 0, options: [:])
                    tally.quantity += item.quantity
                    tally.revenue += item.revenue
                    for option in item.options {
                        if let name = option.name { tally.options?[name, default: 0] += item.quantity }
                    }
                    metrics.items[item.itemID] = tally
                }
                if let customer = record.customer.key {
                    var tally = metrics.customers[customer] ?? CustomerTally(orders: 0, spent: 0)
                    tally.orders += 1
                    tally.spent += order.total
                    metrics.customers[customer] = tally
                }
                if let completed = order.completedAt {
                    metrics.completionSeconds.append(
                        max(Int(completed.timeIntervalSince(order.createdAt).rounded()), 0)
                    )
                }
            case "cancelled":
                metrics.cancelledCount += 1
            default:
                metrics.openCount += 1
            }
            branches[order.branchID] = metrics
        }
        for key in branches.keys {
            branches[key]?.completionSeconds.sort()
            branches[key]?.acceptSeconds.sort()
        }
        return branches
    }
}
