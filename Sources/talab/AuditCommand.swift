import ArgumentParser
import Foundation
import TalabReconciler
import TalabStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Who changed what, when, in which commit and from which line: the audit log."
    )

    enum Format: String, ExpressibleByArgument {
        case text
        case json
    }

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("Only this tenant.", valueName: "slug")) var tenant: String?
    @Option(help: ArgumentHelp("Only changes on or after this date (YYYY-MM-DD).", valueName: "date")) var since:
        String?
    @Option(help: ArgumentHelp("Only changes of this row.", valueName: "id")) var entity: String?
    @Option(help: "At most this many entries, oldest first.") var limit = 1_000
    @Option(help: "text or json.") var format = Format.text

    func validate() throws {
        if let since, AuditCommand.date(since) == nil { throw ValidationError("--since takes a date like 2026-11-26") }
        if let entity, UUID(uuidString: entity) == nil { throw ValidationError("--entity takes a row's id (a UUID)") }
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }

    func run() async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            let filter = AuditLog.Filter(
                tenant: tenant,
                since: since.flatMap(AuditCommand.date),
                entity: entity.flatMap(UUID.init(uuidString:)),
                limit: limit
            )
            let entries = try await AuditLog(pool: pool).entries(filter)
            switch format {
            case .text:
                for entry in entries { print(entry.text) }
                print("\(entries.count) entries")
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            }
        }
    }
}
