import Foundation
import TalabCore

/// Whether a reply says only what the catalog backs: every amount is a catalog price, fee or
/// minimum, or a sum the cart makes of them; every `N × name` names a catalog item.
struct Grounding {
    let tenant: TenantConfig
    let amounts: Set<Decimal>
    let names: Set<String>

    init(tenant: TenantConfig) {
        self.tenant = tenant
        let items = tenant.menus.flatMap(\.items)
        var amounts = Set(items.map(\.price))
        amounts.formUnion(items.flatMap { $0.options.flatMap { $0.choices.map(\.price) } })
        for branch in tenant.branches {
            amounts.formUnion(branch.deliveryFeeRules.map(\.fee))
            if let minimum = branch.minOrderValue { amounts.insert(minimum) }
        }
        // Amounts the business wrote in its policies ("free delivery above $20").
        let policies = tenant.business.policies + tenant.branches.flatMap(\.policies)
        for policy in policies {
            amounts.formUnion(Grounding.amounts(in: policy.description, currency: tenant.business.currency))
        }
        amounts.insert(0)
        self.amounts = amounts
        let names = items.flatMap { [$0.name] + $0.translations.values }
        self.names = Set(
            names
                + names.map { name in
                    name.firstIndex(of: "(").map { name[..<$0].trimmingCharacters(in: .whitespaces) } ?? name
                }
        )
    }

    func problems(in reply: EngineReply, cart: Cart, effects: [EngineEffect]) -> [String] {
        var allowed = amounts
        var carts = [cart]
        for case .placeOrder(let order) in effects { carts.append(order.cart) }
        for cart in carts {
            // A line's price for any part of its quantity ("Added 2 ×" of a line now at 5).
            for line in cart.lines {
                let unit = line.total / Decimal(line.quantity)
                for count in 1...max(line.quantity, 1) { allowed.insert(unit * Decimal(count)) }
            }
            allowed.insert(cart.subtotal.amount)
            for fee in amounts { allowed.insert(cart.subtotal.amount + fee) }
        }
        var problems: [String] = []
        let texts = [reply.text] + reply.choices.map(\.title)
        for text in texts {
            for amount in Grounding.amounts(in: text, currency: tenant.business.currency)
            where !allowed.contains(amount) {
                problems.append("amount \(amount) in '\(text)' is not from the catalog")
            }
            for name in Grounding.itemNames(in: text) where !names.contains(name) {
                problems.append("item '\(name)' in '\(text)' is not in the catalog")
            }
        }
        return problems
    }

    /// The amounts written as `Money` writes them in this currency (`$12.50`, `12.50 EUR`).
    static func amounts(in text: String, currency: String) -> [Decimal] {
        let symbol = Money(0, currency).description.filter { !$0.isNumber && $0 != "." && $0 != "," }
            .trimmingCharacters(in: .whitespaces)
        var found: [Decimal] = []
        var index = text.startIndex
        while let range = text.range(of: symbol, range: index..<text.endIndex) {
            let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "," }
            if !digits.isEmpty, let amount = Decimal(string: digits.replacingOccurrences(of: ",", with: "")) {
                found.append(amount)
            }
            index = range.upperBound
        }
        return found
    }

    /// What follows `N × ` up to the options, the price or the end of the line.
    static func itemNames(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard let times = line.range(of: " × ") else { return nil }
            var name = line[times.upperBound...]
            for stop in [" (", " — "] {
                if let cut = name.range(of: stop) { name = name[..<cut.lowerBound] }
            }
            return name.trimmingCharacters(in: .whitespaces)
        }
    }
}
