import Crypto
public import Foundation

/// One numbered SQL file of `Migrations/SQL`, such as `0002_orders.sql`.
public struct Migration: Sendable, Hashable {
    /// The four-digit number that orders the files.
    public let version: String
    /// The file's name, such as `0002_orders.sql`.
    public let fileName: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex; an applied file whose checksum changes is refused.
    public let checksum: String

    public init(version: String, fileName: String, sql: String) {
        self.version = version
        self.fileName = fileName
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads every `NNNN_name.sql` of a folder, in order; any other `.sql` file there is an error.
    public static func load(from directory: URL) throws(MigrationError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.missingDirectory, "cannot read migrations folder \(directory.path)")
        }
        var migrations: [Migration] = []
        var versions: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard name.wholeMatch(of: /(\d{4})_[a-z0-9_]+\.sql/) != nil else {
                throw MigrationError(
                    .invalidFileName,
                    "\(name): a migration's name is four digits, an underscore and lowercase words, as 0003_add_bookings.sql"
                )
            }
            let version = String(name.prefix(4))
            if let other = versions[version] {
                throw MigrationError(.duplicateVersion, "\(name) and \(other) share the number \(version)")
            }
            versions[version] = name
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw MigrationError(.missingDirectory, "cannot read \(url.path)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(.invalidFileName, "\(name) is not UTF-8 text")
            }
            migrations.append(Migration(version: version, fileName: name, sql: sql))
        }
        return migrations
    }

    /// The folder of the migrations shipped with Talab: `Migrations/SQL`, a resource of this module
    /// (`talab_TalabStore.resources` beside the binary), so an installed `talab` migrates from any
    /// folder and a build carries exactly the migrations of its source.
    public static var shippedDirectory: URL? {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("SQL") else { return nil }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? folder : nil
    }

    /// The migrations shipped with Talab, in order.
    public static func shipped() throws(MigrationError) -> [Migration] {
        guard let folder = shippedDirectory else {
            throw MigrationError(
                .missingDirectory,
                "the migrations shipped with talab are missing: copy talab_TalabStore.resources beside the binary"
            )
        }
        return try load(from: folder)
    }
}

/// Why migrating stopped. The database is left at the last migration that succeeded.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let value: String
        public var description: String { value }
        public static let missingDirectory = Code(value: "missing_directory")
        public static let invalidFileName = Code(value: "invalid_file_name")
        public static let duplicateVersion = Code(value: "duplicate_version")
        public static let changedAfterApply = Code(value: "changed_after_apply")
        public static let failed = Code(value: "migration_failed")
    }

    public let code: Code
    public let message: String
    /// The server's error, when the database refused a migration.
    public let cause: PostgresError?

    public init(_ code: Code, _ message: String, cause: PostgresError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
