import Foundation

/// How `talab validate` prints diagnostics: for people, for programs, or for GitHub's annotations.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
    case text
    case json
    case github

    /// The diagnostics as this format writes them, one string ready to print.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        switch self {
        case .text:
            return diagnostics.map { "\($0)\n" }.joined()
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // Encoding plain strings and integers cannot fail.
            let data = (try? encoder.encode(diagnostics)) ?? Data("[]".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        case .github:
            return diagnostics.map { diagnostic in
                "::\(diagnostic.severity.rawValue) file=\(escapeProperty(diagnostic.file)),line=\(diagnostic.line),"
                    + "col=\(diagnostic.column),title=\(diagnostic.code)::\(escapeMessage(diagnostic.message))\n"
            }.joined()
        }
    }

    /// GitHub workflow commands escape `%`, CR and LF in messages, and also `:` and `,` in properties.
    private func escapeMessage(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    private func escapeProperty(_ text: String) -> String {
        escapeMessage(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
