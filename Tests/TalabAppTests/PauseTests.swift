import AsyncHTTPClient
import Foundation
import NIOCore
import TalabDev
import TalabStore
import TalabTestSupport
import Testing

/// Pausing new orders from the dashboard: the bot refuses the next confirmation and keeps the
/// cart; reopened, the same confirmation places the order. Busy mode is kept beside it.
@Suite struct PauseTests {
    @Test func aPausedBranchTakesNoOrderUntilReopenedAndTheCartWaits() async throws {
        let server = try await LiveServer.withDashboard()
        try await server.login("manager@abu-salim.example", password: "manager password 1", role: .manager)
        let token = try await server.token("manager@abu-salim.example", password: "manager password 1")
        let hamra = try await server.fixture.parts.pool.query(
            PostgresStatement("test.hamra", "SELECT id FROM branches WHERE key = 'hamra'", prepared: false)
        )[0].decode(UUID.self, "id")
        let path = "/api/v1/branches/\(hamra.uuidString.lowercased())/operations"
        let (paused, state) = try await server.post(
            path,
            token: token,
            #"{"pause_minutes": 30, "busy_minutes": 15}"#
        )
        #expect(paused == 200)
        let branches = try #require(state["branches"] as? [[String: Any]])
        let shown = try #require(branches.first { $0["key"] as? String == "hamra" })
        #expect(shown["paused"] as? Bool == true && shown["busy_minutes"] as? Int == 15)

        let customer = ChatClient(
            webhookURL: server.webhookURL,
            graphURL: server.graphServer.url,
            appSecret: ServerFixture.appSecret,
            phoneNumberID: ExampleCatalog.hamraNumber,
            phone: "96171333002",
            userID: nil
        )
        try await customer.start()
        _ = try await customer.send(.text("2 falafel and a chicken shawarma no pickles, takeaway"), quiet: .seconds(1))
        _ = try await customer.send(.text("large"), quiet: .seconds(1))
        let refused = try await customer.send(
            .choice(id: "confirm", title: "Confirm", fromList: false),
            quiet: .seconds(1)
        )
        #expect(refused.contains { $0.text.contains("not taking new orders") }, "\(refused.map(\.text))")
        #expect(try await server.fixture.count("SELECT count(*)::int FROM orders") == 0)

        let (reopened, _) = try await server.post(path, token: token, #"{"pause_minutes": 0}"#)
        #expect(reopened == 200)
        let placed = try await customer.send(
            .choice(id: "confirm", title: "Confirm", fromList: false),
            quiet: .seconds(1)
        )
        #expect(placed.contains { $0.text.contains("placed") }, "\(placed.map(\.text))")
        #expect(try await server.fixture.count("SELECT count(*)::int FROM orders") == 1)

        // Another business's branch, or a bad value: refused, nothing changed.
        let salon = try await server.fixture.parts.pool.query(
            PostgresStatement(
                "test.salon",
                "SELECT id FROM branches WHERE business_id = (SELECT id FROM users WHERE slug = 'salon-rima') LIMIT 1",
                prepared: false
            )
        )[0].decode(UUID.self, "id")
        let (foreign, _) = try await server.post(
            "/api/v1/branches/\(salon.uuidString.lowercased())/operations",
            token: token,
            #"{"pause_minutes": -1}"#
        )
        #expect(foreign == 404)
        #expect(
            try await server.fixture.count("SELECT count(*)::int FROM branch_operations WHERE branch_id = '\(salon)'")
                == 0
        )
        let (bad, _) = try await server.post(path, token: token, #"{"busy_minutes": 999}"#)
        #expect(bad == 400)
        try await server.stop()
    }
}
