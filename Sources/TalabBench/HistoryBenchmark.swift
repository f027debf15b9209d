public import Foundation
import TalabAWS
public import TalabStore

/// `talab bench history`: the archiver against a bare `INSERT … SELECT` of the same documents, the
/// archive rate into DynamoDB (moto, when an endpoint is given), a history query over a million
/// archived orders, and the nightly rollup of a thousand businesses.
public struct HistoryBenchmark: Sendable {
    public var orders: Int
    public var archived: Int
    public var businesses: Int
    public var dynamoOrders: Int
    /// Orders per archiver transaction.
    public var batch = OrderArchiver.defaultBatch
    /// Archivers side by side (each its own connection; they skip each other's orders).
    public var archivers = 2
    /// moto's (or DynamoDB Local's) endpoint; nil skips the DynamoDB figure.
    public var dynamoEndpoint: URL?

    public init(orders: Int = 100_000, archived: Int = 1_000_000, businesses: Int = 1_000, dynamoOrders: Int = 2_000) {
        self.orders = orders
        self.archived = archived
        self.businesses = businesses
        self.dynamoOrders = dynamoOrders
    }

    public struct Report: Sendable {
        public var floor: Throughput
        public var archive: Throughput
        public var dynamo: Throughput?
        /// One business's last 30 days, every page, over the million: seconds per query, sorted.
        public var querySeconds: [Double]
        public var queryDocuments: Int
        public var rollup: Throughput
        public var rollupOrders: Int
    }

    /// Orders placed three days ago and completed, two lines and three status changes each, on the
    /// example tenants' branches and items.
    static func generate(_ count: Int) -> String {
        """
        WITH places AS (
            SELECT b.business_id, b.id AS branch_id, row_number() OVER (ORDER BY b.id) - 1 AS n,
                   count(*) OVER () AS branches FROM branches b
        ), goods AS (
            SELECT i.business_id, i.id AS item_id, i.name, i.price,
                   row_number() OVER (PARTITION BY i.business_id ORDER BY i.id) - 1 AS n,
                   count(*) OVER (PARTITION BY i.business_id) AS items
            FROM items i WHERE i.deleted_at IS NULL
        ), made AS (
            INSERT INTO orders (business_id, branch_id, customer_phone_number, delivery_type, status, currency,
                                subtotal, total, language_used, created_at, completed_at, confirmation_key)
            SELECT p.business_id, p.branch_id, '9617' || lpad((g % 50000)::text, 7, '0'), 'takeaway', 'completed',
                   'USD', 12.50, 12.50, 'arabizi', now() - interval '3 days' + g * interval '100 milliseconds',
                   now() - interval '3 days' + g * interval '100 milliseconds' + interval '18 minutes',
                   'bench-' || g
            FROM generate_series(1, \(count)) g JOIN places p ON p.n = g % p.branches
            RETURNING id, business_id, created_at, completed_at
        ), lines AS (
            INSERT INTO order_items (order_id, item_id, quantity, price_at_time, name_at_time, position)
            SELECT m.id, g.item_id, 1 + k, g.price, g.name, k
            FROM made m CROSS JOIN generate_series(0, 1) k
            JOIN goods g ON g.business_id = m.business_id
                AND g.n = (abs(hashtext(m.id::text)) + k) % g.items
            RETURNING 1
        )
        INSERT INTO order_status_history (order_id, status, changed_at, changed_by)
        SELECT m.id, s.status::order_status, m.created_at + s.k * interval '6 minutes', 'business'
        FROM made m CROSS JOIN (VALUES ('pending', 0), ('accepted', 1), ('completed', 3)) AS s(status, k)
        """
    }

    /// A million small archived orders over `businesses` businesses and the past year.
    static func archivedHistory(_ count: Int, businesses: Int) -> String {
        """
        INSERT INTO history.order_logs (id, business_id, at, body)
        SELECT id, business, at, jsonb_build_object(
            'order', jsonb_build_object('id', id, 'business_id', business, 'branch_id', business, 'status', 'completed',
                'currency', 'USD', 'total', '18.00', 'language', 'arabic', 'created_at', at,
                'completed_at', at + interval '20 minutes'),
            'customer', jsonb_build_object('phone_number', '9617' || lpad((g % 9973)::text, 7, '0')),
            'items', jsonb_build_array(jsonb_build_object('item_id', business, 'name', 'Shawarma', 'quantity', 2,
                'price', '9.00', 'options', '[]'::jsonb)),
            'archived_at', at + interval '2 days')
        FROM (
            SELECT g, gen_random_uuid() AS id,
                   ('00000000-0000-4000-8000-' || lpad(to_hex(g % \(businesses)), 12, '0'))::uuid AS business,
                   date_trunc('day', now()) - interval '365 days' + (g::double precision / \(count)) * interval '365 days' AS at
            FROM generate_series(1, \(count)) g
        ) generated
        """
    }

    public func run(
        server: DatabaseURL,
        migrations: [Migration],
        project: URL,
        progress: @Sendable (String) -> Void
    ) async throws -> Report {
        let url = try await BenchDatabase.fresh("talab_bench_history", on: server, migrations: migrations)
        let masterKey = Data(repeating: 7, count: 32).base64EncodedString()
        try await WebhookBenchmark.applyExample(url, masterKey: masterKey, project: project)
        let pool = PostgresPool(url: url, maxConnections: max(archivers, 2))
        defer { pool.close() }
        let clock = ContinuousClock()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        func script(_ sql: String, _ label: String) async throws -> Double {
            let started = clock.now
            try await pool.withConnection { try await $0.executeScript(sql, name: label) }
            return seconds(clock.now - started)
        }

        progress("generating \(orders) finished orders")
        _ = try await script(HistoryBenchmark.generate(orders), "bench.generate")
        _ = try await script("VACUUM ANALYZE", "bench.vacuum")
        progress("the floor: INSERT … SELECT of the documents into a table like order_logs, \(archivers) side by side")
        try await pool.withConnection { connection in
            try await connection.executeScript(
                "CREATE TABLE bench_documents (LIKE history.order_logs INCLUDING DEFAULTS INCLUDING INDEXES)",
                name: "bench.floor_table"
            )
        }
        let floorStarted = clock.now
        try await withThrowingTaskGroup(of: Double.self) { group in
            for part in 0..<archivers {
                group.addTask {
                    try await script(
                        """
                        WITH finished AS (
                            SELECT * FROM orders WHERE status IN ('completed', 'cancelled')
                              AND abs(hashtext(id::text)) % \(archivers) = \(part)
                        )\(OrderDocument.aggregates(of: "finished"))
                        INSERT INTO bench_documents (id, business_id, at, body)
                        SELECT f.id, f.business_id, f.created_at, \(OrderDocument.body("f")) FROM finished f
                        \(OrderDocument.joins("f"));
                        """,
                        "bench.floor"
                    )
                }
            }
            try await group.waitForAll()
        }
        let floorSeconds = seconds(clock.now - floorStarted)
        progress("archiving them through OrderArchiver into PostgreSQL's history")
        let archiveStarted = clock.now
        let archiver = OrderArchiver(pool: pool, store: PostgresLogStore(pool: pool), olderThan: 3600, batch: batch)
        let progressed = try await archiver.archiveAll(parallel: archivers)
        let archiveSeconds = seconds(clock.now - archiveStarted)

        var dynamo: Throughput?
        if let endpoint = dynamoEndpoint {
            progress("archiving \(dynamoOrders) orders into DynamoDB at \(endpoint.absoluteString)")
            _ = try await script(HistoryBenchmark.generate(dynamoOrders), "bench.generate_dynamo")
            let store = DynamoDBLogStore(
                client: DynamoDB(
                    settings: .init(
                        endpoint: endpoint,
                        region: "eu-south-1",
                        credentials: AWSCredentials(accessKeyID: "AKIABENCH", secretAccessKey: "bench")
                    )
                ),
                tablePrefix: "bench\(UUID().uuidString.prefix(6))_"
            )
            try await store.createTables()
            let started = clock.now
            let done = try await OrderArchiver(pool: pool, store: store, olderThan: 3600, batch: 500).archiveAll()
            dynamo = Throughput(
                name: "archive into DynamoDB (moto)",
                operations: done.archived,
                seconds: seconds(clock.now - started)
            )
        }

        progress("generating \(archived) archived orders over \(businesses) businesses and a year")
        _ = try await script(HistoryBenchmark.archivedHistory(archived, businesses: businesses), "bench.history")
        _ = try await script("VACUUM ANALYZE history.order_logs", "bench.vacuum_history")
        progress("querying one business's last 30 days, 200 times")
        let history = PostgresLogStore(pool: pool)
        var querySeconds: [Double] = []
        var documents = 0
        for index in 0..<200 {
            let business = UUID(
                uuidString: "00000000-0000-4000-8000-" + String(format: "%012x", index * 7 % businesses)
            )!
            let started = clock.now
            let found = try await history.all(
                LogQuery(business: business, from: Date().addingTimeInterval(-30 * 86_400), limit: 200),
                in: .orderLogs
            )
            querySeconds.append(seconds(clock.now - started))
            documents = max(documents, found.count)
        }

        progress("rolling up one day of \(businesses) businesses")
        let rollup = MetricsRollup(pool: pool, history: history)
        let day = LocalDate(Date().addingTimeInterval(-40 * 86_400), in: TimeZone(identifier: "Asia/Beirut")!)
        let rollupStarted = clock.now
        var rolled = 0
        for index in 0..<businesses {
            let business = BusinessDirectory.Business(
                id: UUID(uuidString: "00000000-0000-4000-8000-" + String(format: "%012x", index))!,
                slug: "bench-\(index)",
                name: "Bench \(index)",
                timeZone: "Asia/Beirut",
                currency: "USD"
            )
            rolled += try await rollup.rollup(business: business, date: day).summary.orders
        }
        let rollupSeconds = seconds(clock.now - rollupStarted)
        return Report(
            floor: Throughput(
                name: "INSERT … SELECT of the documents, \(archivers) side by side (floor)",
                operations: progressed.archived,
                seconds: floorSeconds
            ),
            archive: Throughput(
                name: "OrderArchiver into PostgreSQL",
                operations: progressed.archived,
                seconds: archiveSeconds
            ),
            dynamo: dynamo,
            querySeconds: querySeconds.sorted(),
            queryDocuments: documents,
            rollup: Throughput(name: "rollup of one day", operations: businesses, seconds: rollupSeconds),
            rollupOrders: rolled
        )
    }
}
