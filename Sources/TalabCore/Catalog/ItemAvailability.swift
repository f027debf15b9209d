/// Whether customers can order an item right now, or see it at all.
public enum ItemAvailability: String, Sendable, CaseIterable, Codable {
    case available
    case outOfStock = "out_of_stock"
    case hidden
}
