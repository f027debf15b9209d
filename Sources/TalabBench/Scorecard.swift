public import Foundation

/// Every benchmark's headline figures beside their floor (what an issue required) and aim (where the
/// machine's limit suggests we can go), gathered across `talab bench …` runs into one table.
///
/// A run appends its figures, one JSON object per line, to the file named by
/// `TALAB_BENCH_SCORECARD` when that is set (`make bench` sets it); `talab bench table` prints them.
public enum Scorecard {
    public static let environmentKey = "TALAB_BENCH_SCORECARD"

    public struct Figure: Codable, Sendable, Equatable {
        public var benchmark: String
        public var name: String
        public var value: Double
        public var unit: String
        public var floor: Double?
        public var aim: Double?
        /// Throughputs and shares: more is better; times and memory: less is.
        public var higherIsBetter: Bool

        public init(
            _ benchmark: String,
            _ name: String,
            _ value: Double,
            _ unit: String,
            floor: Double? = nil,
            aim: Double? = nil,
            higherIsBetter: Bool = false
        ) {
            self.benchmark = benchmark
            self.name = name
            self.value = value
            self.unit = unit
            self.floor = floor
            self.aim = aim
            self.higherIsBetter = higherIsBetter
        }

        func meets(_ target: Double) -> Bool { higherIsBetter ? value >= target : value <= target }

        /// How the figure stands: past its aim, past its floor only, or short of its floor.
        public var verdict: String {
            if let floor, !meets(floor) { return "BELOW FLOOR" }
            if let aim { return meets(aim) ? "aim met" : (floor == nil ? "aim not met" : "floor met, aim not") }
            return floor == nil ? "" : "floor met"
        }
    }

    /// Appends the figures to the scorecard file, when one is named in the environment.
    public static func record(
        _ figures: [Figure],
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws
    {
        guard let path = environment[environmentKey], !path.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var lines = Data()
        for figure in figures {
            lines.append(try encoder.encode(figure))
            lines.append(UInt8(ascii: "\n"))
        }
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: lines)
    }

    /// The figures a scorecard file holds, in the order they were recorded.
    public static func read(_ url: URL) throws -> [Figure] {
        let decoder = JSONDecoder()
        return try String(decoding: Data(contentsOf: url), as: UTF8.self)
            .split(separator: "\n")
            .map { try decoder.decode(Figure.self, from: Data($0.utf8)) }
    }

    /// One table: benchmark, figure, measured, floor, aim, verdict.
    public static func table(_ figures: [Figure]) -> String {
        func number(_ value: Double?, _ unit: String) -> String {
            guard let value else { return "" }
            let digits = value >= 100 || value == value.rounded() ? 0 : (value >= 1 ? 2 : 3)
            let text = String(format: "%.\(digits)f", value)
            // Thousands grouped: 7,869.
            let (whole, fraction) = (text.prefix { $0 != "." }, text.drop { $0 != "." })
            var grouped = ""
            for (index, character) in whole.reversed().enumerated() {
                if index > 0, index % 3 == 0, character != "-" { grouped.insert(",", at: grouped.startIndex) }
                grouped.insert(character, at: grouped.startIndex)
            }
            return "\(grouped)\(fraction) \(unit)"
        }
        let header = ["benchmark", "figure", "measured", "floor", "aim", "verdict"]
        let rows = figures.map { figure in
            let comparison = figure.higherIsBetter ? "≥ " : "≤ "
            return [
                figure.benchmark, figure.name, number(figure.value, figure.unit),
                figure.floor.map { comparison + number($0, figure.unit) } ?? "",
                figure.aim.map { comparison + number($0, figure.unit) } ?? "", figure.verdict,
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                // Numbers right-aligned, words left-aligned.
                return (2...4).contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}
