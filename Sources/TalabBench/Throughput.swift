/// How many operations ran in how long.
public struct Throughput: Sendable, CustomStringConvertible {
    public let name: String
    public let operations: Int
    public let seconds: Double

    public init(name: String, operations: Int, seconds: Double) {
        self.name = name
        self.operations = operations
        self.seconds = seconds
    }

    public var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }

    public var description: String {
        "\(name): \(Int(perSecond.rounded())) ops/s (\(operations) in \(String(format: "%.2f", seconds)) s)"
    }
}
