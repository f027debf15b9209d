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

/// The sample below which `fraction` of the samples fall (nearest rank); 0 when there are none.
func percentile(_ fraction: Double, of samples: [Double]) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
}
