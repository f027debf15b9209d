public import Foundation

/// Applies the numbered SQL files in order, each in its own transaction, recorded with its checksum.
///
/// Two migrators on the same database take turns through an advisory lock, so running
/// `talab migrate` from two places at once is safe.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Where one file stands in a database.
    public struct FileStatus: Sendable, Hashable {
        public enum State: String, Sendable {
            case applied
            case pending
            /// Applied, but the file's text has changed since.
            case changed
            /// Recorded as applied, but no such file exists any more.
            case missing
        }
        public let version: String
        public let fileName: String
        public let state: State
        public let appliedAt: Date?
    }

    static let lockKey = AdvisoryLock.migrations
    static let lock = PostgresStatement("migrate.lock", "SELECT pg_advisory_lock($1)", prepared: false)
    static let unlock = PostgresStatement("migrate.unlock", "SELECT pg_advisory_unlock($1)", prepared: false)
    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version text PRIMARY KEY,
            file_name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            duration_ms integer NOT NULL
        )
        """
    static let selectApplied = PostgresStatement(
        "migrate.applied",
        "SELECT version, file_name, checksum, applied_at FROM schema_migrations ORDER BY version",
        prepared: false
    )
    static let selectTableExists = PostgresStatement(
        "migrate.table_exists",
        "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
        prepared: false
    )
    static let record = PostgresStatement(
        "migrate.record",
        "INSERT INTO schema_migrations (version, file_name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
        prepared: false
    )

    /// Applies every pending file and returns the names of those it applied.
    @discardableResult
    public func migrate(_ url: DatabaseURL) async throws -> [String] {
        let connection = try await PostgresConnection.connect(url)
        try await connection.query(Migrator.lock, [Migrator.lockKey])
        do {
            let applied = try await migrate(on: connection)
            try await connection.query(Migrator.unlock, [Migrator.lockKey])
            return applied
        } catch {
            _ = try? await connection.query(Migrator.unlock, [Migrator.lockKey])
            throw error
        }
    }

    private func migrate(on connection: PostgresConnection) async throws -> [String] {
        try await connection.executeScript(Migrator.createTable, name: "migrate.create_table")
        let recorded = try await appliedChecksums(on: connection)
        try refuseChangedFiles(recorded)
        var applied: [String] = []
        for migration in migrations where recorded[migration.version] == nil {
            let started = ContinuousClock.now
            do {
                try await connection.withTransaction { connection in
                    try await connection.executeScript(migration.sql, name: migration.fileName)
                    let elapsed = ContinuousClock.now - started
                    try await connection.query(
                        Migrator.record,
                        [
                            migration.version, migration.fileName, migration.checksum,
                            Int(
                                elapsed.components.seconds * 1000 + elapsed.components.attoseconds
                                    / 1_000_000_000_000_000
                            ),
                        ]
                    )
                }
            } catch let error as PostgresError {
                throw MigrationError(.failed, describe(error, in: migration), cause: error)
            }
            applied.append(migration.fileName)
        }
        return applied
    }

    /// Lists every file as applied, pending or changed, and every applied version whose file is gone.
    public func status(_ url: DatabaseURL) async throws -> [FileStatus] {
        let connection = try await PostgresConnection.connect(url)
        let present = try await connection.query(Migrator.selectTableExists)
        var recorded: [String: (fileName: String, checksum: String, appliedAt: Date)] = [:]
        if try present[0].decode(Bool.self, "present") {
            for row in try await connection.query(Migrator.selectApplied) {
                recorded[try row.decode(String.self, "version")] = (
                    try row.decode(String.self, "file_name"),
                    try row.decode(String.self, "checksum"),
                    try row.decode(Date.self, "applied_at")
                )
            }
        }
        var statuses = migrations.map { migration in
            guard let record = recorded[migration.version] else {
                return FileStatus(
                    version: migration.version,
                    fileName: migration.fileName,
                    state: .pending,
                    appliedAt: nil
                )
            }
            return FileStatus(
                version: migration.version,
                fileName: migration.fileName,
                state: record.checksum == migration.checksum ? .applied : .changed,
                appliedAt: record.appliedAt
            )
        }
        let known = Set(migrations.map(\.version))
        for (version, record) in recorded where !known.contains(version) {
            statuses.append(
                FileStatus(version: version, fileName: record.fileName, state: .missing, appliedAt: record.appliedAt)
            )
        }
        return statuses.sorted { $0.version < $1.version }
    }

    private func appliedChecksums(on connection: PostgresConnection) async throws -> [String: String] {
        var checksums: [String: String] = [:]
        for row in try await connection.query(Migrator.selectApplied) {
            checksums[try row.decode(String.self, "version")] = try row.decode(String.self, "checksum")
        }
        return checksums
    }

    private func refuseChangedFiles(_ recorded: [String: String]) throws(MigrationError) {
        for migration in migrations {
            guard let checksum = recorded[migration.version], checksum != migration.checksum else { continue }
            throw MigrationError(
                .changedAfterApply,
                "\(migration.fileName) was changed after it was applied (recorded sha256 \(checksum.prefix(12))…, "
                    + "file now \(migration.checksum.prefix(12))…); restore it and put the change in a new migration"
            )
        }
    }

    private func describe(_ error: PostgresError, in migration: Migration) -> String {
        var location = migration.fileName
        if let position = error.position {
            let prefix = migration.sql.prefix(position)
            location += ":\(prefix.reduce(1) { $1 == "\n" ? $0 + 1 : $0 })"
        }
        var text = "\(location): migration failed"
        if let sqlState = error.sqlState { text += ": ERROR \(sqlState)" }
        return text + ": \(error.message); the database stays at the previous migration"
    }
}
