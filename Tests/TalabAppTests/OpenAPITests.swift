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

        @Test(.enabled(if: OpenAPITests.schemathesis != nil, "schemathesis (make deps) is needed"))
        func theAPIAnswersAsItsDocumentSays() async throws {
            let server = try await LiveServer.start { settings in
                var dashboard = Dashboard.Settings(jwtSecret: "openapi-test-secret-0123456789abcdef")
                dashboard.bcryptCost = 4
                settings.dashboard = dashboard
            }
            let base = String(server.webhookURL.dropLast("/webhooks/whatsapp".count))
            let pool = server.fixture.parts.pool
            _ = try await AccountStore(pool: pool).add(
                email: "owner@abu-salim.example",
                passwordHash: try await PasswordHasher(cost: 4).hash("owner password 1"),
                role: .owner,
                tenant: "abu-salim-grill"
            )
            let (store, placement, cart) = try await ExampleOrder.on(pool)
            _ = try await store.place(cart, placement)
            var signIn = HTTPClientRequest(url: base + "/api/v1/sessions")
            signIn.method = .POST
            signIn.body = .bytes(
                ByteBuffer(string: #"{"email":"owner@abu-salim.example","password":"owner password 1"}"#)
            )
            let opened = try await HTTPClient.shared.execute(signIn, timeout: .seconds(10))
            let body = try await opened.body.collect(upTo: 1 << 16)
            let token = try #require(
                (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["token"] as? String
            )
            let document = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/api/v1/openapi.json"),
                timeout: .seconds(10)
            )
            #expect(document.status == .ok)

            let outcome = try await Subprocess.run(
                try #require(OpenAPITests.schemathesis),
                [
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
