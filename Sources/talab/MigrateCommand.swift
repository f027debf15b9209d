import ArgumentParser
import Foundation
import TalabStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the SQL migrations shipped with talab that the database has not seen yet.",
        discussion: """
            Each file runs in its own transaction and is recorded with its SHA-256 in schema_migrations. \
            A file changed after it was applied is refused. Concurrent runs take turns.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "A folder of NNNN_name.sql files instead of the migrations shipped with talab.",
            valueName: "path"
        )
    )
    var migrations: String?

    @Flag(help: "List applied and pending files instead of applying.")
    var status = false

    func run() async throws {
        try await reportingFailure {
            let url = try database.resolve()
            let migrator = Migrator(migrations: try load())
            if status {
                try await printStatus(of: migrator, at: url)
                return
            }
            let applied = try await migrator.migrate(url)
            for file in applied { print("applied \(file)") }
            print(
                applied.isEmpty
                    ? "\(url.redacted) is up to date (\(migrator.migrations.count) migrations)"
                    : "\(url.redacted) migrated: \(applied.count) applied, \(migrator.migrations.count) in all"
            )
        }
    }

    private func printStatus(of migrator: Migrator, at url: DatabaseURL) async throws {
        let statuses = try await migrator.status(url)
        let formatter = ISO8601DateFormatter()
        for file in statuses {
            let when = file.appliedAt.map { formatter.string(from: $0) } ?? ""
            print(file.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), file.fileName, when)
        }
        let pending = statuses.filter { $0.state == .pending }.count
        print("\(statuses.count - pending) applied, \(pending) pending")
        if statuses.contains(where: { $0.state == .changed || $0.state == .missing }) {
            throw ExitCode.failure
        }
    }

    /// `--migrations PATH`, else the migrations shipped with this `talab`.
    private func load() throws -> [Migration] {
        if let migrations { return try Migration.load(from: URL(fileURLWithPath: migrations)) }
        return try Migration.shipped()
    }
}
