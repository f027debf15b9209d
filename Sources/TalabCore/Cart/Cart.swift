public import Foundation

/// What a customer is about to order: lines of catalog items with their chosen options, priced
/// from the catalog in `Decimal`, never from anything the customer wrote.
public struct Cart: Sendable, Hashable, Codable {
    public struct Option: Sendable, Hashable, Codable {
        public let key: String
        public let name: String
        public let priceDelta: Decimal

        public init(key: String, name: String, priceDelta: Decimal) {
            self.key = key
            self.name = name
            self.priceDelta = priceDelta
        }
    }

    public struct Line: Sendable, Hashable, Codable {
        public let itemKey: String
        public let name: String
        public let unitPrice: Decimal
        public var quantity: Int
        public var options: [Option]

        public init(itemKey: String, name: String, unitPrice: Decimal, quantity: Int, options: [Option] = []) {
            self.itemKey = itemKey
            self.name = name
            self.unitPrice = unitPrice
            self.quantity = quantity
            self.options = options
        }

        /// One unit with its options, times the quantity.
        public var total: Decimal {
            (unitPrice + options.reduce(Decimal(0)) { $0 + $1.priceDelta }) * Decimal(quantity)
        }
    }

    public var currency: String
    public private(set) var lines: [Line] = []

    public init(currency: String) { self.currency = currency }

    /// Adds a line; the same item with the same options adds to the existing line's quantity.
    public mutating func add(_ line: Line) {
        if let index = lines.firstIndex(where: { $0.itemKey == line.itemKey && $0.options == line.options }) {
            lines[index].quantity += line.quantity
        } else {
            lines.append(line)
        }
    }

    /// Removes a line, or some of its quantity.
    public mutating func remove(itemKey: String, quantity: Int? = nil) {
        guard let index = lines.lastIndex(where: { $0.itemKey == itemKey }) else { return }
        if let quantity, quantity < lines[index].quantity {
            lines[index].quantity -= quantity
        } else {
            lines.remove(at: index)
        }
    }

    /// Changes the line at `index` (its quantity, its options); a quantity below one removes it.
    public mutating func update(at index: Int, _ change: (inout Line) -> Void) {
        guard lines.indices.contains(index) else { return }
        change(&lines[index])
        if lines[index].quantity < 1 { lines.remove(at: index) }
    }

    /// Puts `line` in the place of the line at `index`.
    public mutating func replace(at index: Int, with line: Line) {
        guard lines.indices.contains(index) else { return }
        lines[index] = line
    }

    /// Picks an option of a group for the last line of `itemKey`, replacing the group's oldest
    /// pick when the group is full; false when the cart has no such line.
    public mutating func choose(_ option: Option, group: String, maximum: Int?, for itemKey: String) -> Bool {
        guard let index = lines.lastIndex(where: { $0.itemKey == itemKey }) else { return false }
        var options = lines[index].options
        options.removeAll { $0.key == option.key }
        let inGroup = options.filter { $0.key.hasPrefix(group + "/") }
        if let maximum, inGroup.count >= maximum, let oldest = inGroup.first {
            options.removeAll { $0.key == oldest.key }
        }
        options.append(option)
        lines[index].options = options
        return true
    }

    public var isEmpty: Bool { lines.isEmpty }

    public var subtotal: Money { Money(lines.reduce(Decimal(0)) { $0 + $1.total }, currency) }
}
