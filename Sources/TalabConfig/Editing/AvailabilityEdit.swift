public import TalabCore

/// Sets an item's `availability` in the text of its menu file, touching that one line (or adding
/// it), so the commit's diff is what a person would have written and comments stay where they are.
public enum AvailabilityEdit {
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The file's text with the item whose mapping starts at `location` set to `availability`;
    /// the text unchanged when it already says so.
    public static func apply(
        _ availability: ItemAvailability,
        at location: SourceLocation,
        in text: String
    ) throws(Refusal) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = location.line - 1
        let indent = location.column - 1
        guard lines.indices.contains(first), lines[first].count > indent else {
            throw Refusal(description: "\(location) is not in \(location.file)")
        }
        let start = lines[first].index(lines[first].startIndex, offsetBy: indent)
        guard lines[first][start] != "{" else {
            throw Refusal(
                description: "the item at \(location) is written on one line; change it by pull request"
            )
        }
        let wanted = String(repeating: " ", count: indent) + "availability: \(availability.rawValue)"
        // The item's own keys sit at `indent`; its block ends at the first line indented less.
        var end = first + 1
        while end < lines.count {
            let line = lines[end]
            let trimmed = line.drop { $0 == " " }
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") && line.count - trimmed.count < indent { break }
            end += 1
        }
        for index in first..<end {
            let line = lines[index]
            let from = index == first ? start : line.index(line.startIndex, offsetBy: min(indent, line.count))
            guard index == first || line.prefix(indent).allSatisfy({ $0 == " " }) else { continue }
            if line[from...].hasPrefix("availability:") {
                let current = line[from...].dropFirst("availability:".count)
                    .split(separator: "#", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
                if current == availability.rawValue { return text }
                if index == first {
                    throw Refusal(description: "the item at \(location) starts with its availability; edit it by hand")
                }
                lines[index] = wanted
                return lines.joined(separator: "\n")
            }
        }
        // Not written yet: after the item's first line, unless that line opens a block scalar.
        let opensBlock = lines[first].hasSuffix("|") || lines[first].hasSuffix(">")
        lines.insert(wanted, at: opensBlock ? end : first + 1)
        return lines.joined(separator: "\n")
    }
}
