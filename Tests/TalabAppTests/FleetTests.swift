import Foundation
import Logging
import TalabApp
import TalabCore
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// Several servers on one database (issue #20): each server's parts on a pool of its own, their
/// workers draining one inbox side by side, and a server that dies holding a lease. Every message
/// handled and answered once, each customer's in the order they arrived. (`talab bench webhook
/// --servers N` does the same with processes, SIGKILL and a balancer.)
@Suite struct FleetTests {
    /// A server's parts on the example tenants, and a second server's on the same database.
    static func twoServers() async throws -> (ServerFixture, Server.Parts, Logger) {
        let fixture = try await ServerFixture.make()
        var quiet = Logger(label: "talab.test.fleet")
        quiet.logLevel = .critical
        let second = Server.parts(
            fixture.settings,
            sealer: ServerFixture.sealer,
            handler: AcknowledgingHandler(),
            logger: quiet
        )
        return (fixture, second, quiet)
    }

    @Test func workersOfSeveralServersAnswerEveryMessageOnceInEachCustomersOrder() async throws {
        let (fixture, second, _) = try await FleetTests.twoServers()
        defer {
            fixture.parts.pool.close()
            second.pool.close()
        }
        // 20 customers, 12 messages each, stored in the order each customer wrote them.
        var expected: [String: [String]] = [:]
        for turn in 0..<12 {
            for customer in 0..<20 {
                let phone = "9617100\(String(format: "%04d", customer))"
                let id = "wamid.F.\(customer).\(turn)"
                expected[phone, default: []].append(id)
                let body = ServerFixture.textPayload(
                    to: ExampleCatalog.hamraNumber,
                    from: phone,
                    id: id,
                    text: "hi \(turn)"
                )
                try await fixture.parts.inbox.store(body, orderingKey: WebhookPayload.orderingKey(of: body))
            }
        }
        // A server that leased a batch and died: its backend is gone, its lease with it.
        let dying = PostgresPool(url: fixture.url, maxConnections: 1)
        let held = try await WebhookInbox(pool: dying).lease(8)
        #expect(held.ids.count == 8)
        dying.close()

        let workers = [
            InboxWorker(
                inbox: fixture.parts.inbox,
                processor: fixture.parts.processor,
                doorbell: fixture.parts.inboxBell,
                outbound: nil,
                batch: 8
            ),
            InboxWorker(
                inbox: second.inbox,
                processor: second.processor,
                doorbell: second.inboxBell,
                outbound: nil,
                batch: 8
            ),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask {
                    var idle = 0
                    while idle < 20 {
                        if try await worker.drainOnce() == 0 {
                            idle += 1
                            try await Task.sleep(for: .milliseconds(20))
                        } else {
                            idle = 0
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await fixture.count("SELECT count(*)::int FROM webhook_inbox WHERE state <> 'done'") == 0)
        #expect(
            try await fixture.count("SELECT count(*)::int FROM audit.message_logs WHERE direction = 'inbound'") == 240
        )
        // One text reply per message, never two.
        #expect(
            try await fixture.count(
                """
                SELECT count(*)::int FROM (SELECT body->'context'->>'message_id' FROM outbound_messages
                WHERE body->>'type' = 'text' GROUP BY 1 HAVING count(*) = 1) once
                """
            ) == 240
        )
        // Each customer's messages handled in the order they were written.
        let rows = try await fixture.parts.pool.query(
            PostgresStatement(
                "test.fleet_order",
                "SELECT m.customer_phone_number AS phone, m.meta_message_id AS message FROM audit.message_logs m WHERE m.direction = 'inbound' ORDER BY m.id",
                prepared: false
            )
        )
        var handled: [String: [String]] = [:]
        for row in rows {
            handled[try row.decode(String.self, "phone"), default: []].append(try row.decode(String.self, "message"))
        }
        #expect(handled == expected)
        // The dead server's bodies were taken over, each counted once as lost.
        #expect(try await fixture.count("SELECT coalesce(sum(lost_attempts), 0)::int FROM webhook_inbox") == 8)
    }

    /// An apply reaches every server: each listens for the reconciler's NOTIFY and reloads its
    /// snapshot, so a number moved to a branch routes at once in all of them.
    @Test func anApplyRefreshesTheCatalogOfEveryServer() async throws {
        let (fixture, second, quiet) = try await FleetTests.twoServers()
        defer {
            fixture.parts.pool.close()
            second.pool.close()
        }
        let caches = [fixture.parts.catalog, second.catalog]
        let (url, logger) = (fixture.url, quiet)
        let relays = caches.map { catalog in
            Task {
                try await NotificationRelay(
                    url: url,
                    catalog: catalog,
                    inbox: Doorbell(),
                    outbound: Doorbell(),
                    logger: logger
                )
                .run()
            }
        }
        defer { for relay in relays { relay.cancel() } }
        let moved = "106540352249999"
        func routes(_ catalog: CatalogCache) -> Bool {
            if case .branch = catalog.snapshot?.route(phoneNumberID: moved) { return true }
            return false
        }
        for _ in 0..<200 where caches.contains(where: { $0.snapshot == nil }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(caches.allSatisfy { $0.snapshot != nil && !routes($0) })
        // The Hamra branch gets a new number, applied as any change.
        try await ExampleCatalog.apply(to: fixture.url, sealer: ServerFixture.sealer) { repository in
            let path = "Tenants/abu-salim-grill/branches/hamra.yaml"
            let text = try String(contentsOf: repository.folder.appendingPathComponent(path), encoding: .utf8)
            try repository.write(path, text.replacingOccurrences(of: "106540352242999", with: moved))
        }
        for _ in 0..<500 where !caches.allSatisfy(routes) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(caches.allSatisfy(routes))
    }
}
