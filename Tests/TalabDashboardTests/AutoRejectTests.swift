import Foundation
import TalabCore
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// Auto-reject (DASHBOARD.md): `settings.auto_reject_minutes` in business.yaml, reconciled into
/// the database; an order for now that nobody accepted in time is cancelled by the system and the
/// customer told in their language; orders for later and businesses without the setting are left
/// alone; two servers' rounds at once cancel each order once.
@Suite struct AutoRejectTests {
    static func database() async throws -> (DatabaseURL, PostgresPool) {
        let url = try await TestCluster.shared.migratedDatabase()
        try await ExampleCatalog.apply(to: url, sealer: CatalogDatabase.sealer) { repository in
            let path = "Tenants/abu-salim-grill/business.yaml"
            let text = try String(contentsOf: repository.folder.appendingPathComponent(path), encoding: .utf8)
            try repository.write(
                path,
                text.replacingOccurrences(of: "settings:\n", with: "settings:\n  auto_reject_minutes: 7\n")
            )
        }
        return (url, PostgresPool(url: url, maxConnections: 4))
    }

    static func count(_ pool: PostgresPool, _ sql: String) async throws -> Int {
        try await pool.query(PostgresStatement("test.count", sql, prepared: false))[0].decode(Int.self, at: 0)
    }

    /// A pending order of the example restaurant placed `minutesAgo` back (its customer wrote then).
    static func pending(
        _ pool: PostgresPool,
        minutesAgo: Double,
        later: Bool = false,
        branch: String = "hamra"
    ) async throws -> UUID {
        let (store, placement, cart) = try await ExampleOrder.on(pool)
        var order = placement
        order.confirmationKey = "wamid.\(UUID().uuidString)"
        if later { order.scheduledFor = Date().addingTimeInterval(3 * 3600) }
        try await pool.withTransaction { connection in
            _ = try await WhatsAppCustomers.receive(
                .init(
                    business: placement.businessID,
                    userID: nil,
                    waID: placement.customerPhone,
                    sentAt: Date().addingTimeInterval(-minutesAgo * 60),
                    messageID: "wamid.\(UUID().uuidString)"
                ),
                on: connection
            )
        }
        let id = try await store.place(cart, order).id
        _ = try await count(
            pool,
            "WITH m AS (UPDATE orders SET created_at = now() - interval '\(minutesAgo) minutes' WHERE id = '\(id)' RETURNING 1) SELECT count(*)::int FROM m"
        )
        return id
    }

    @Test func anOrderNobodyAcceptedInTimeIsCancelledAndTheCustomerTold() async throws {
        let (_, pool) = try await AutoRejectTests.database()
        defer { pool.close() }
        #expect(
            try await AutoRejectTests.count(
                pool,
                "SELECT auto_reject_minutes FROM users WHERE slug = 'abu-salim-grill'"
            ) == 7
        )
        #expect(
            try await AutoRejectTests.count(pool, "SELECT count(*)::int FROM users WHERE auto_reject_minutes IS NULL")
                == 2
        )
        let due = try await AutoRejectTests.pending(pool, minutesAgo: 9)
        let fresh = try await AutoRejectTests.pending(pool, minutesAgo: 3)
        let later = try await AutoRejectTests.pending(pool, minutesAgo: 30, later: true)

        #expect(try await UnansweredOrders(pool: pool).rejectDue() == 1)
        #expect(
            try await AutoRejectTests.count(
                pool,
                """
                SELECT count(*)::int FROM orders o JOIN order_status_history h ON h.order_id = o.id
                WHERE o.id = '\(due)' AND o.status = 'cancelled' AND h.status = 'cancelled' AND h.changed_by = 'system'
                  AND o.cancel_reason = 'not accepted within 7 minutes'
                """
            ) == 1
        )
        for untouched in [fresh, later] {
            #expect(
                try await AutoRejectTests.count(
                    pool,
                    "SELECT count(*)::int FROM orders WHERE id = '\(untouched)' AND status = 'pending'"
                )
                    == 1
            )
        }
        // The customer wrote in Arabizi, inside the 24-hour window: told in Arabizi, once.
        #expect(
            try await AutoRejectTests.count(
                pool,
                "SELECT count(*)::int FROM outbound_messages WHERE body::text LIKE '%ma 2derna n2akked talabak \(due.lowercasedText.prefix(8))%'"
            ) == 1
        )
        #expect(try await UnansweredOrders(pool: pool).rejectDue() == 0)
    }

    @Test func twoServersAtOnceCancelEachOrderOnce() async throws {
        let (_, pool) = try await AutoRejectTests.database()
        defer { pool.close() }
        for _ in 0..<30 { _ = try await AutoRejectTests.pending(pool, minutesAgo: 10) }
        let rounds = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 { group.addTask { try await UnansweredOrders(pool: pool).rejectDue(limit: 7) } }
            return try await group.reduce(0, +)
        }
        #expect(rounds == 30)
        #expect(
            try await AutoRejectTests.count(pool, "SELECT count(*)::int FROM orders WHERE status = 'cancelled'") == 30
        )
        #expect(try await AutoRejectTests.count(pool, "SELECT count(*)::int FROM outbound_messages") == 30)
        #expect(
            try await AutoRejectTests.count(
                pool,
                "SELECT count(*)::int FROM order_status_history WHERE status = 'cancelled'"
            ) == 30
        )
    }
}
