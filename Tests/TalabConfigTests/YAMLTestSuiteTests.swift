import Foundation
import TalabConfig
import TalabTestSupport
import Testing

/// The 402 inputs of the official YAML test suite, read from `../shared` beside the project.
///
/// Each becomes a tenant's business.yaml. Validation must end (no crash, no hang, no trap), and an
/// input the suite marks invalid must be rejected with a diagnostic at a line and column.
@Suite struct YAMLTestSuiteTests {
    static var casesFolder: URL {
        ExampleCatalog.projectFolder
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures/yaml-test-suite/cases")
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: casesFolder.path),
            "../shared/fixtures/yaml-test-suite is not beside the project"
        )
    )
    func everyInputEndsInAVerdictAndInvalidOnesAreRejectedAtAPosition() throws {
        let cases = try FileManager.default.contentsOfDirectory(atPath: YAMLTestSuiteTests.casesFolder.path).sorted()
        #expect(cases.count == 402)
        var rejected = 0
        var invalid = 0
        for name in cases {
            let folder = YAMLTestSuiteTests.casesFolder.appendingPathComponent(name)
            let input = try Data(contentsOf: folder.appendingPathComponent("in.yaml"))
            let isInvalid = FileManager.default.fileExists(atPath: folder.appendingPathComponent("error").path)
            let source = InMemorySource(files: [ConfigFile(path: "Tenants/suite/business.yaml", bytes: Array(input))])
            let validation = try TenantLoader().load(from: source)
            if isInvalid {
                invalid += 1
                #expect(!validation.isValid, "\(name) is invalid YAML but passed")
                #expect(validation.errors.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "\(name)")
                if !validation.isValid { rejected += 1 }
            }
        }
        #expect(invalid == 94)
        #expect(rejected == invalid)
    }
}

/// Files held in memory: the suite's bytes are handed over exactly, with nothing written to disk.
struct InMemorySource: ConfigSource {
    let files: [ConfigFile]
    func files(under folder: String) throws -> [ConfigFile] { files.filter { $0.path.hasPrefix(folder + "/") } }
    var label: String { "memory" }
}
