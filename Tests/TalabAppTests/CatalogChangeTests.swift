import AsyncHTTPClient
import Foundation
import NIOCore
import TalabConfig
import TalabDashboard
import TalabDev
import TalabStore
import TalabTestSupport
import Testing

/// "86" an item from the dashboard: a commit by the signed-in person in the tenant repository,
/// pushed upstream, applied at once with an audit record naming them, and the bot stops offering
/// the item; a person who pushed first upstream is kept, the change made on top.
@Suite struct CatalogChangeTests {
    @Test func anItemOutOfStockIsACommitByThePersonAndTheBotStopsOfferingIt() async throws {
        let repositories = try TenantRepositories()
        defer { repositories.delete() }
        let upstream = repositories.upstream
        let server = try await LiveServer.withDashboard(catalog: repositories.settings)
        try await server.login(
            "rima@abu-salim.example",
            password: "manager password 1",
            role: .manager,
            name: "Rima Haddad"
        )
        try await server.login("cook@abu-salim.example", password: "manager password 1", role: .staff)
        func token(_ email: String) async throws -> String {
            try await server.token(email, password: "manager password 1")
        }
        let manager = try await token("rima@abu-salim.example")
        let path = "/api/v1/items/falafel-sandwich/availability"

        // Staff may not change the menu.
        let (refused, _) = try await server.post(
            path,
            token: try await token("cook@abu-salim.example"),
            #"{"availability":"out_of_stock"}"#
        )
        #expect(refused == 403)

        let (status, changed) = try await server.post(
            path,
            token: manager,
            #"{"availability":"out_of_stock"}"#
        )
        #expect(status == 200, "\(changed)")
        let sha = try #require(changed["commit"] as? String)
        // The commit is the manager's, upstream; one line of the menu changed.
        let upstreamLog = try TestRepository.run([
            "--git-dir", upstream.path, "log", "-1", "--format=%H %an <%ae>", "main",
        ])
        #expect(upstreamLog == "\(sha) Rima Haddad <rima@abu-salim.example>")
        let diff = try TestRepository.run(["--git-dir", upstream.path, "show", "--format=", "--stat", "main"])
        #expect(diff.contains("Tenants/abu-salim-grill/menus/main.yaml | 1 +"), "\(diff)")
        // Applied, and audited under the manager's name with the commit.
        #expect(
            try await server.fixture.count(
                "SELECT count(*)::int FROM items WHERE key = 'falafel-sandwich' AND availability = 'out_of_stock'"
            ) == 1
        )
        #expect(
            try await server.fixture.count(
                "SELECT count(*)::int FROM audit.audit_logs WHERE actor_name = 'Rima Haddad' AND commit_sha = '\(sha)'"
            ) >= 1
        )
        // The next customer who asks is told it is not available.
        let customer = ChatClient(
            webhookURL: server.webhookURL,
            graphURL: server.graphServer.url,
            appSecret: ServerFixture.appSecret,
            phoneNumberID: ExampleCatalog.hamraNumber,
            phone: "96171444001",
            userID: nil
        )
        try await customer.start()
        let replies = try await customer.send(.text("2 falafel sandwich please"), quiet: .seconds(1))
        #expect(replies.contains { $0.text.contains("not available") }, "\(replies.map(\.text))")

        // Someone pushes a change upstream first; the next change is made on top of it, nothing lost.
        let person = try TestRepository.clone(upstream)
        defer { person.delete() }
        try person.write("Tenants/abu-salim-grill/README.md", "Our menu.\n")
        try person.commit("Describe the tenant", author: "Sami", email: "sami@abu-salim.example")
        try person.git("push", "-q")
        let (back, _) = try await server.post(path, token: manager, #"{"availability":"available"}"#)
        #expect(back == 200)
        let log = try TestRepository.run(["--git-dir", upstream.path, "log", "--format=%an: %s", "main"])
        #expect(
            log.hasPrefix(
                "Rima Haddad: abu-salim-grill: Falafel Sandwich is back in stock\nSami: Describe the tenant\nRima Haddad: abu-salim-grill: 86 Falafel Sandwich: out of stock"
            ),
            "\(log)"
        )
        // Asking again for what it already is changes nothing and commits nothing.
        let (same, unchanged) = try await server.post(path, token: manager, #"{"availability":"available"}"#)
        #expect(same == 200 && unchanged["commit"] == nil)
        let (unknown, missing) = try await server.post(
            "/api/v1/items/no-such-item/availability",
            token: manager,
            #"{"availability":"out_of_stock"}"#
        )
        #expect(unknown == 404 && (missing["error"] as? [String: Any])?["code"] as? String == "unknown_item")
        try await server.stop()
    }
}
