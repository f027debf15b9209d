import AsyncHTTPClient
import Foundation
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport

/// The whole server with the dashboard, as the dashboard's tests use it.
extension LiveServer {
    /// Started with the dashboard (bcrypt at its floor, so logins are quick to make); catalog
    /// changes are committed to `catalog`'s repository when given.
    static func withDashboard(catalog: Dashboard.CatalogSettings? = nil) async throws -> LiveServer {
        try await start(editing: openAroundTheClock) { settings in
            var dashboard = Dashboard.Settings(jwtSecret: "live-dashboard-test-secret-0123456789")
            dashboard.bcryptCost = 4
            dashboard.catalog = catalog
            settings.dashboard = dashboard
        }
    }

    /// Abu Salim's restaurant and branches open every hour of every day: what the board's tests do
    /// with an order must not depend on the hour they run at (a Sunday after 23:00 in Beirut, the
    /// example closes and an order waits for the morning).
    static func openAroundTheClock(_ repository: TestRepository) throws {
        let folder = repository.folder.appendingPathComponent("Tenants/abu-salim-grill")
        let files =
            [folder.appendingPathComponent("business.yaml")]
            + (try FileManager.default.contentsOfDirectory(
                at: folder.appendingPathComponent("branches"),
                includingPropertiesForKeys: nil
            ))
        let hours = try NSRegularExpression(pattern: #"\{ open: "[0-9:]+", close: "[0-9:]+" \}"#)
        for file in files where file.pathExtension == "yaml" {
            let text = try String(contentsOf: file, encoding: .utf8)
            let open = hours.stringByReplacingMatches(
                in: text,
                range: NSRange(text.startIndex..., in: text),
                withTemplate: #"{ open: "00:00", close: "24:00" }"#
            )
            try Data(open.utf8).write(to: file)
        }
    }

    /// `http://127.0.0.1:port`.
    var baseURL: String { String(webhookURL.dropLast("/webhooks/whatsapp".count)) }

    /// A login of the example restaurant.
    @discardableResult
    func login(
        _ email: String,
        password: String,
        role: AccountStore.Role,
        branch: String? = nil,
        name: String? = nil
    ) async throws -> AccountStore.Account {
        try await AccountStore(pool: fixture.parts.pool).add(
            email: email,
            passwordHash: try await PasswordHasher(cost: 4).hash(password),
            role: role,
            tenant: "abu-salim-grill",
            branch: branch,
            displayName: name
        )
    }

    /// Signs in over HTTP, as an API client does: the bearer token.
    func token(_ email: String, password: String) async throws -> String {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/sessions")
        request.method = .POST
        let credentials = try JSONSerialization.data(withJSONObject: ["email": email, "password": password])
        request.body = .bytes(ByteBuffer(bytes: credentials))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = object["token"] as? String
        else { throw TestFailure("signing in as \(email) answered \(response.status)") }
        return token
    }

    /// Posts `json` to `path` with the bearer token: the status and the JSON answer.
    func post(_ path: String, token: String, _ json: String) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (
            Int(response.status.code),
            (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        )
    }
}
