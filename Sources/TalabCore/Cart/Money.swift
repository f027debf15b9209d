public import Foundation

/// An amount in a currency, exact (`Decimal`), rendered as customers in Lebanon read it:
/// `$4.50`, `450,000 LBP`, `12.00 EUR`.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public let amount: Decimal
    /// ISO 4217: `USD`, `LBP`, `EUR`.
    public let currency: String

    public init(_ amount: Decimal, _ currency: String) {
        self.amount = amount
        self.currency = currency
    }

    /// Digits after the decimal point: none for the Lebanese pound, two otherwise.
    public var scale: Int { ["LBP", "JPY", "KRW"].contains(currency) ? 0 : 2 }

    public var description: String {
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, scale, .plain)
        let negative = rounded < 0
        let digits = Money.grouped((negative ? -rounded : rounded), scale: scale)
        let sign = negative ? "-" : ""
        switch currency {
        case "USD": return "\(sign)$\(digits)"
        default: return "\(sign)\(digits) \(currency)"
        }
    }

    /// `450000` → `450,000`; `4.5` with scale 2 → `4.50`.
    static func grouped(_ value: Decimal, scale: Int) -> String {
        let text = NSDecimalNumber(decimal: value).stringValue
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        fraction = String(fraction.prefix(scale)).padding(toLength: scale, withPad: "0", startingAt: 0)
        var groups: [String] = []
        var rest = Substring(whole)
        while rest.count > 3 {
            groups.insert(String(rest.suffix(3)), at: 0)
            rest = rest.dropLast(3)
        }
        groups.insert(String(rest), at: 0)
        return groups.joined(separator: ",") + (scale > 0 ? "." + fraction : "")
    }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(lhs.amount + rhs.amount, lhs.currency)
    }
}
