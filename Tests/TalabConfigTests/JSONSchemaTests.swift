import Foundation
import TalabConfig
import TalabStore
import TalabTestSupport
import Testing

/// The JSON Schemas an editor uses and the Swift validator agree: on every example file (all valid)
/// and on every invalid fixture (both reject it, for the same reason). Needs `check-jsonschema`
/// from PyPI, which `make test` installs.
@Suite struct JSONSchemaTests {
    static let root = ExampleCatalog.projectFolder
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/invalid"
    )

    /// Runs check-jsonschema on a thread of its own (not blocking the test pool's few threads).
    static func checkJSONSchema(schema kind: String, files: [String]) async throws -> Subprocess.Outcome {
        guard let program = Subprocess.find("check-jsonschema") else {
            throw ClusterError("check-jsonschema is not installed: pip install check-jsonschema (make test does)")
        }
        let schema = root.appendingPathComponent("Schemas/tenant/\(kind).schema.json").path
        return try await Subprocess.run(program, ["--schemafile", schema] + files)
    }

    @Test func theSchemasAreValidDraft202012() async throws {
        guard let program = Subprocess.find("check-jsonschema") else {
            Issue.record("check-jsonschema is not installed: pip install check-jsonschema (make test does)")
            return
        }
        let schemas = ["business", "branch", "menu"].map {
            JSONSchemaTests.root.appendingPathComponent("Schemas/tenant/\($0).schema.json").path
        }
        let outcome = try await Subprocess.run(program, ["--check-metaschema"] + schemas)
        #expect(outcome.succeeded, "\(outcome.output)")
    }

    @Test(arguments: [("business", "business.yaml"), ("branch", "branches"), ("menu", "menus")])
    func everyExampleFileIsValidUnderItsSchema(_ kind: String, _ place: String) async throws {
        let tenants = JSONSchemaTests.root.appendingPathComponent("Tenants")
        var files: [String] = []
        for tenant in try FileManager.default.contentsOfDirectory(atPath: tenants.path) {
            let target = tenants.appendingPathComponent(tenant).appendingPathComponent(place)
            if place.hasSuffix(".yaml") {
                if FileManager.default.fileExists(atPath: target.path) { files.append(target.path) }
            } else {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
                files += names.filter { $0.hasSuffix(".yaml") }.map { target.appendingPathComponent($0).path }
            }
        }
        #expect(files.count >= 3)
        let outcome = try await JSONSchemaTests.checkJSONSchema(schema: kind, files: files)
        #expect(outcome.succeeded, "\(outcome.output)")
    }

    static var invalidFixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []).filter { $0.hasSuffix(".yaml") }
            .sorted()
    }

    @Test func thereAreInvalidFixturesForEveryKind() {
        let kinds = Set(JSONSchemaTests.invalidFixtures.map { $0.prefix { $0 != "-" } })
        #expect(kinds == ["business", "branch", "menu"])
    }

    @Test(arguments: invalidFixtures)
    func bothRejectAnInvalidFixtureForTheSameReason(_ name: String) async throws {
        let url = JSONSchemaTests.fixtures.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let header = text.split(separator: "\n").prefix(2)
        let expectedCode = try #require(header.first?.split(separator: ": ", maxSplits: 1).last.map(String.init))
        let schemaSays = try #require(header.last?.split(separator: ": ", maxSplits: 1).last.map(String.init))
        let kind = String(name.prefix { $0 != "-" })

        var files = ["business.yaml": "name: Abu Salim\ntype: restaurant\ncurrency: USD\n"]
        switch kind {
        case "business": files["business.yaml"] = text
        case "branch": files["branches/hamra.yaml"] = text
        default: files["menus/main.yaml"] = text
        }
        let source = InMemorySource(
            files: files.map { ConfigFile(path: "Tenants/abu-salim/\($0.key)", bytes: Array($0.value.utf8)) }
        )
        let validation = try TenantLoader().load(from: source)
        #expect(validation.errors.map(\.code).contains(expectedCode), "talab validate said \(validation.errors)")

        let outcome = try await JSONSchemaTests.checkJSONSchema(schema: kind, files: [url.path])
        #expect(!outcome.succeeded)
        #expect(outcome.output.contains(schemaSays), "check-jsonschema said: \(outcome.output)")
    }
}
