public import Foundation
import Synchronization
public import TalabStore

#if canImport(Glibc)
import Glibc
#endif

/// One private PostgreSQL cluster per test process, started on first use and stopped at exit.
///
/// Every test gets a database of its own, cloned from a template that was migrated once
/// (`CREATE DATABASE … TEMPLATE`), so tests run in parallel without seeing each other's rows.
public actor TestCluster {
    public static let shared = TestCluster()

    private var starting: Task<(cluster: PrivateCluster, admin: PostgresPool), any Error>?
    private var databaseCount = 0
    static let templateName = "talab_template"
    static let folderPrefix = "talab-test-pg-"

    /// The cluster's server, as its superuser, on the `postgres` database.
    public func serverURL() async throws -> DatabaseURL {
        try await start().admin.url
    }

    /// A new database with every migration shipped with `TalabStore` applied.
    public func migratedDatabase() async throws -> DatabaseURL {
        try await createDatabase(template: TestCluster.templateName)
    }

    /// A new database with nothing in it, for tests of migrating itself.
    public func emptyDatabase() async throws -> DatabaseURL {
        try await createDatabase(template: "template0")
    }

    /// The migrations of this source tree.
    public static func migrations() throws -> [Migration] {
        try Migration.load(from: migrationsDirectory)
    }

    /// The migrations shipped with `TalabStore` (a resource of the module).
    public static var migrationsDirectory: URL {
        guard let directory = Migration.shippedDirectory else {
            fatalError("the migrations of TalabStore are missing from its resources")
        }
        return directory
    }

    private func createDatabase(template: String) async throws -> DatabaseURL {
        let admin = try await start().admin
        databaseCount += 1
        let name = "test_\(databaseCount)"
        try await admin.withConnection { connection in
            try await connection.executeScript(
                "CREATE DATABASE \(try await connection.quoteIdentifier(name)) TEMPLATE \(template)",
                name: "test.create_database"
            )
        }
        return admin.url.database(name)
    }

    /// Starts the cluster once, however many tests ask at the same moment.
    private func start() async throws -> (cluster: PrivateCluster, admin: PostgresPool) {
        if let starting { return try await starting.value }
        let task = Task { try await TestCluster.launch() }
        starting = task
        return try await task.value
    }

    private static func launch() async throws -> (cluster: PrivateCluster, admin: PostgresPool) {
        TestCluster.removeAbandonedClusters()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(TestCluster.folderPrefix)\(getpid())-\(UUID().uuidString.prefix(8))")
        let cluster = PrivateCluster(folder: folder, binaries: try PostgresBinaries.locate(), durable: false)
        TestCluster.registerForCleanup(cluster)
        let url = try await cluster.start()
        try Data(String(getpid()).utf8).write(to: folder.appendingPathComponent("owner.pid"))
        // Many suites ask for databases at once; on two cores a clone can take seconds under load.
        let admin = PostgresPool(url: url, maxConnections: 4, acquireTimeout: .seconds(120))
        try await admin.withConnection { connection in
            try await connection.executeScript("CREATE DATABASE \(TestCluster.templateName)", name: "test.template")
        }
        try await Migrator(migrations: TestCluster.migrations()).migrate(url.database(TestCluster.templateName))
        return (cluster, admin)
    }

    private static let toStop = Mutex<[PrivateCluster]>([])

    private static func registerForCleanup(_ cluster: PrivateCluster) {
        let first = toStop.withLock { clusters in
            clusters.append(cluster)
            return clusters.count == 1
        }
        if first {
            atexit {
                for cluster in TestCluster.toStop.withLock({ $0 }) {
                    try? cluster.stop(immediate: true)
                    try? FileManager.default.removeItem(at: cluster.folder)
                }
            }
        }
    }

    /// Stops and deletes clusters left by test processes that died without cleaning up.
    private static func removeAbandonedClusters() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(folderPrefix) {
            let folder = temporary.appendingPathComponent(name)
            guard let text = try? String(contentsOf: folder.appendingPathComponent("owner.pid"), encoding: .utf8),
                let pid = Int32(text), kill(pid, 0) != 0, errno == ESRCH,
                let binaries = try? PostgresBinaries.locate()
            else { continue }
            try? PrivateCluster(folder: folder, binaries: binaries, durable: false).stop(immediate: true)
            try? FileManager.default.removeItem(at: folder)
        }
    }
}
