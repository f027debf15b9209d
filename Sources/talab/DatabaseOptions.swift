import ArgumentParser
import Foundation
import TalabStore

/// Which database a command talks to: `--database-url`, else `DATABASE_URL`, else the local cluster.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "postgres://user:password@host:port/database (default: $DATABASE_URL, then the local cluster of `talab db`).",
            valueName: "url"
        )
    )
    var databaseURL: String?

    /// Whether the command talks to the local cluster of `talab db` / `talab dev` (no URL given).
    var isLocalCluster: Bool {
        databaseURL == nil && (ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty
    }

    func resolve() throws -> DatabaseURL {
        if let databaseURL { return try DatabaseURL(databaseURL) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["DATABASE_URL"], !fromEnvironment.isEmpty {
            return try DatabaseURL(fromEnvironment)
        }
        let cluster = try LocalCluster.cluster(in: LocalCluster.projectFolder(from: currentDirectory))
        guard case .running = cluster.status else {
            throw ValidationError(
                "no database: pass --database-url, set DATABASE_URL, or start the local cluster with `talab db start`"
            )
        }
        return try cluster.url(database: LocalCluster.databaseName)
    }
}

var currentDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }
