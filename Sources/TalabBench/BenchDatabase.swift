import TalabStore

/// A benchmark's own database on the bench cluster: dropped if an earlier run left it, created
/// empty, and migrated when `migrations` are given.
enum BenchDatabase {
    static func fresh(
        _ name: String,
        on server: DatabaseURL,
        migrations: [Migration]? = nil
    ) async throws
        -> DatabaseURL
    {
        let admin = try await PostgresConnection.connect(server)
        try await admin.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", name: "bench.drop")
        try await admin.executeScript("CREATE DATABASE \(name)", name: "bench.create")
        let url = server.database(name)
        if let migrations { try await Migrator(migrations: migrations).migrate(url) }
        return url
    }
}
