import AsyncHTTPClient
import Foundation
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// The dashboard's API against its OpenAPI document (`/api/v1/openapi.json`), checked from the
/// outside by schemathesis (PyPI) on the live server: every answer documented and shaped as
/// documented, no 5xx, authentication enforced, whatever the generated input.
extension SerializedSuites {
    @Suite struct OpenAPITests {
        static var schemathesis: String? {
            ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map { "\($0)/st" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        static let configuration = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("OpenAPI/schemathesis.toml")

        @Test(.enabled(if: OpenAPITests.schemathesis != nil, "schemathesis (make deps) is needed"))
        func theAPIAnswersAsItsDocumentSays() async throws {
            let server = try await LiveServer.withDashboard()
            let base = server.baseURL
            try await server.login("owner@abu-salim.example", password: "owner password 1", role: .owner)
            let (store, placement, cart) = try await ExampleOrder.on(server.fixture.parts.pool)
            _ = try await store.place(cart, placement)
            let token = try await server.token("owner@abu-salim.example", password: "owner password 1")
            let document = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/api/v1/openapi.json"),
                timeout: .seconds(10)
            )
            #expect(document.status == .ok)

            let outcome = try await Subprocess.run(
                try #require(OpenAPITests.schemathesis),
                [
                    "--config-file", OpenAPITests.configuration.path,
                    "run", base + "/api/v1/openapi.json", "--checks", "all", "--header",
                    "Authorization: Bearer \(token)",
                    // Signing out would end the run's own session; the event stream never ends.
                    "--exclude-method", "DELETE", "--exclude-path", "/api/v1/board/events",
                    "--max-examples", "40", "--seed", "1", "--request-timeout", "20", "--no-color",
                ],
                environment: ProcessInfo.processInfo.environment.merging(["SCHEMATHESIS_TELEMETRY": "false"]) { $1 }
            )
            #expect(outcome.succeeded, "\(outcome.output)")
            try await server.stop()
        }
    }
}
