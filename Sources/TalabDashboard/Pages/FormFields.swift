import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (the first of each name).
struct FormFields {
    let values: [String: String]

    init(_ body: String) {
        var values: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = FormFields.decode(parts[0]), values[name] == nil else { continue }
            values[name] = parts.count > 1 ? FormFields.decode(parts[1]) ?? "" : ""
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name] }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
