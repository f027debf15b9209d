import Foundation
import TalabConfig
import Testing

@Suite struct DiagnosticFormatTests {
    static let diagnostics = [
        Diagnostic(
            file: "Tenants/abu-salim/menus/main.yaml",
            line: 14,
            column: 12,
            severity: .error,
            code: "too_many_decimals",
            message: "price must have at most 2 decimal places, got 4.555"
        ),
        Diagnostic(
            file: "Tenants/abu-salim/business.yaml",
            line: 1,
            column: 7,
            severity: .warning,
            code: "yaml11_ambiguous",
            message: "name 'no' is text here, but 100% of YAML 1.1 tools read it as a boolean"
        ),
    ]

    @Test func textIsOneLinePerDiagnostic() {
        #expect(
            DiagnosticFormat.text.render(DiagnosticFormatTests.diagnostics)
                == """
                Tenants/abu-salim/menus/main.yaml:14:12: error: price must have at most 2 decimal places, got 4.555
                Tenants/abu-salim/business.yaml:1:7: warning: name 'no' is text here, but 100% of YAML 1.1 tools read it as a boolean

                """
        )
    }

    @Test func jsonIsAnArrayOfDiagnostics() throws {
        let json = DiagnosticFormat.json.render(DiagnosticFormatTests.diagnostics)
        let decoded = try JSONDecoder().decode([Diagnostic].self, from: Data(json.utf8))
        #expect(decoded == DiagnosticFormatTests.diagnostics)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(Set(objects[0].keys) == ["file", "line", "column", "severity", "code", "message"])
    }

    @Test func githubAnnotationsEscapeWhatTheyMust() {
        let lines = DiagnosticFormat.github.render(DiagnosticFormatTests.diagnostics).split(separator: "\n")
        #expect(
            lines[0]
                == "::error file=Tenants/abu-salim/menus/main.yaml,line=14,col=12,title=too_many_decimals::price must have at most 2 decimal places, got 4.555"
        )
        #expect(lines[1].hasPrefix("::warning file=Tenants/abu-salim/business.yaml,line=1,col=7,"))
        #expect(lines[1].hasSuffix("but 100%25 of YAML 1.1 tools read it as a boolean"))
    }
}
