public import Foundation

/// The development cluster of a source tree: `.talab/pg` beside `Schemas/`, database `talab`.
public enum LocalCluster {
    public static let databaseName = "talab"

    /// The project folder: the nearest folder at or above `start` that holds `Schemas/tenant`, or `start` itself.
    public static func projectFolder(from start: URL) -> URL {
        var folder = start.standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            let marker = folder.appendingPathComponent("Schemas/tenant").path
            if FileManager.default.fileExists(atPath: marker, isDirectory: &isDirectory), isDirectory.boolValue {
                return folder
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return start }
            folder = parent
        }
    }

    public static func cluster(in projectFolder: URL) throws(ClusterError) -> PrivateCluster {
        PrivateCluster(
            folder: projectFolder.appendingPathComponent(".talab/pg"),
            binaries: try PostgresBinaries.locate(),
            durable: true
        )
    }

    static let exists = PostgresStatement(
        "local.database_exists",
        "SELECT count(*)::int AS n FROM pg_database WHERE datname = $1",
        prepared: false
    )

    /// Starts the cluster and makes sure the `talab` database exists; returns that database's URL.
    public static func start(_ cluster: PrivateCluster) async throws -> DatabaseURL {
        let server = try await cluster.start()
        let connection = try await PostgresConnection.connect(server)
        if try await connection.query(exists, [databaseName])[0].decode(Int.self, "n") == 0 {
            try await connection.executeScript("CREATE DATABASE \(databaseName)", name: "local.create_database")
        }
        return server.database(databaseName)
    }
}
