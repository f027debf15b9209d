import ArgumentParser
import Foundation
import TalabStore

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Run a private PostgreSQL cluster for development in .talab/pg.",
        discussion: """
            The cluster is created with the installed PostgreSQL server programs, listens on a free \
            loopback port only, and holds a database named talab. As root it runs as the postgres user.
            """,
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self, Tables.self]
    )

    struct ClusterOptions: ParsableArguments {
        @Option(help: ArgumentHelp("The cluster's folder (default: .talab/pg of this project).", valueName: "path"))
        var dir: String?

        func cluster() throws -> PrivateCluster {
            guard let dir else {
                return try LocalCluster.cluster(in: LocalCluster.projectFolder(from: currentDirectory))
            }
            return PrivateCluster(folder: URL(fileURLWithPath: dir), binaries: try PostgresBinaries.locate())
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the cluster if needed, start it, print its URL."
        )
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await reportingFailure {
                let cluster = try options.cluster()
                let url = try await LocalCluster.start(cluster)
                print("PostgreSQL is running in \(cluster.folder.path)")
                print(url)
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster (its data stays).")
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await reportingFailure {
                let cluster = try options.cluster()
                try cluster.stop()
                print("PostgreSQL in \(cluster.folder.path) is stopped")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the cluster runs; exit 0 when it does, 3 when it does not."
        )
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await reportingFailure {
                let cluster = try options.cluster()
                switch cluster.status {
                case .running(let port):
                    print("running on 127.0.0.1:\(port) in \(cluster.folder.path)")
                case .stopped:
                    print("stopped (\(cluster.folder.path))")
                    throw ExitCode(3)
                case .notInitialized:
                    print("no cluster in \(cluster.folder.path); create it with: talab db start")
                    throw ExitCode(3)
                }
            }
        }
    }

    struct URLCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url",
            abstract: "Print the URL of the talab database, for psql or DATABASE_URL."
        )
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await reportingFailure {
                print(try options.cluster().url(database: LocalCluster.databaseName))
            }
        }
    }

    struct Tables: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tables of a database with their row counts."
        )
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingFailure {
                let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
                let sizes = try await pool.tableSizes()
                let width = sizes.map(\.name.count).max() ?? 0
                for table in sizes {
                    print(table.name.padding(toLength: width, withPad: " ", startingAt: 0), String(table.rows))
                }
                print("\(sizes.count) tables in \(pool.url.redacted)")
            }
        }
    }
}
