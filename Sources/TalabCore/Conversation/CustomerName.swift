import Foundation

/// A name the customer gives: "my name is Rami", "je m'appelle Rami", "ismi Rami", "اسمي رامي".
enum CustomerName {
    static let openers = ["my name is ", "je m'appelle ", "je m’appelle ", "ismi ", "esmi ", "2esmi ", "اسمي "]

    /// The first word after the opener, and the next one when it is capitalised (a family name).
    static func said(in text: String) -> String? {
        let lowered = text.lowercased()
        for opener in openers {
            guard let range = lowered.range(of: opener),
                range.lowerBound == lowered.startIndex || lowered[lowered.index(before: range.lowerBound)] == " "
            else { continue }
            let offset = lowered.distance(from: lowered.startIndex, to: range.upperBound)
            let words = text.dropFirst(offset).split { " ,.!\n".contains($0) }.prefix(2)
            guard let first = words.first, first.count <= 40, first.allSatisfy({ $0.isLetter || $0 == "-" }) else {
                return nil
            }
            if words.count == 2, let second = words.last, second.first?.isUppercase == true,
                second.allSatisfy({ $0.isLetter || $0 == "-" })
            {
                return "\(first) \(second)"
            }
            return String(first)
        }
        return nil
    }
}
