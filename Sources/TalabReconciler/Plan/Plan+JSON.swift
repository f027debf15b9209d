import Crypto
public import Foundation

extension Plan {
    /// The version of the JSON plan's shape; a reader refuses versions it does not know.
    public static let formatVersion = 1

    private struct Document: Encodable {
        let formatVersion: Int
        let commit: String?
        let tenants: [String]
        let summary: [String: Int]
        let destructive: [String]
        let removedTenants: [String]
        let basis: [String: String]
        let digest: String
        let changes: [Change]

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version"
            case removedTenants = "removed_tenants"
            case commit, tenants, summary, destructive, basis, digest, changes
        }
    }

    private struct Change: Encodable {
        let action: String
        let auditAction: String
        let entity: String
        let table: String
        let id: String
        let tenant: String
        let label: String
        let file: String?
        let line: Int?
        let fields: [Field]

        enum CodingKeys: String, CodingKey {
            case action
            case auditAction = "audit_action"
            case entity, table, id, tenant, label, file, line, fields
        }
    }

    private struct Field: Encodable {
        let column: String
        let old: ColumnValue
        let new: ColumnValue
    }

    /// The plan for programs and for review tools: every change with its fields, secrets as `(sensitive)`.
    public func json(commit: String? = nil) -> String {
        let document = Document(
            formatVersion: Plan.formatVersion,
            commit: commit,
            tenants: tenants,
            summary: [
                "create": count(.create), "update": count(.update), "delete": count(.delete),
                "restore": count(.restore),
            ],
            destructive: destructive,
            removedTenants: removedTenants,
            basis: basis,
            digest: digest,
            changes: changes.map { change in
                Change(
                    action: change.action.rawValue,
                    auditAction: change.auditAction,
                    entity: change.table.entity,
                    table: change.table.name,
                    id: change.id.lowercasedText,
                    tenant: change.slug,
                    label: change.label,
                    file: change.row.source?.file,
                    line: change.row.source?.line,
                    fields: change.fields.map { Field(column: $0.column, old: $0.old, new: $0.new) }
                )
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and the values' own encoding: nothing here can fail to encode.
        return ((try? encoder.encode(document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

extension Plan {
    /// A SHA-256 of every change with every value it writes, in order: two plans with the same digest
    /// make the same changes. Secrets enter the hash, never the text, so a changed token changes it.
    public var digest: String {
        var hash = SHA256()
        func add(_ text: String) { hash.update(data: Array(text.utf8) + [0]) }
        for change in changes {
            add(change.action.rawValue)
            add(change.table.name)
            add(change.id.lowercasedText)
            guard change.action != .delete else { continue }
            for column in change.table.columns {
                add(column.name)
                add(change.row[column.name].digestText)
            }
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// A JSON plan as `talab plan --format json` wrote it, read back to be applied exactly.
public struct ReviewedPlan: Sendable, Decodable {
    public let formatVersion: Int
    public let commit: String
    public let tenants: [String]
    public let removedTenants: [String]
    public let basis: [String: String]
    public let digest: String

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case removedTenants = "removed_tenants"
        case commit, tenants, basis, digest
    }

    /// Reads a plan file; says what is wrong with one that is not a JSON plan of a known version.
    public static func read(_ data: Data, file: String) throws(ReconcileError) -> ReviewedPlan {
        struct Version: Decodable {
            let formatVersion: Int?
            enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
        }
        let version = (try? JSONDecoder().decode(Version.self, from: data))?.formatVersion
        guard let version else {
            throw ReconcileError(
                code: .invalidPlan,
                message: "\(file) is not a JSON plan (write one with talab plan --format json --out FILE)"
            )
        }
        guard version == Plan.formatVersion else {
            throw ReconcileError(
                code: .invalidPlan,
                message: "\(file) has plan format_version \(version); this talab reads \(Plan.formatVersion)"
            )
        }
        do {
            return try JSONDecoder().decode(ReviewedPlan.self, from: data)
        } catch {
            throw ReconcileError(
                code: .invalidPlan,
                message: "\(file) is a plan without a commit, basis or digest; make it again with talab plan"
            )
        }
    }
}

extension ColumnValue {
    /// The value with its kind, for `Plan.digest`: distinct values give distinct text.
    var digestText: String {
        switch self {
        case .null: return "n"
        case .text(let value): return "t" + value
        case .integer(let value): return "i\(value)"
        case .boolean(let value): return value ? "b1" : "b0"
        case .decimal(let value): return "d\(value)"
        case .uuid(let value): return "u" + value.lowercasedText
        case .texts(let value): return "a" + value.map { "\($0.utf8.count):\($0)" }.joined()
        case .secret(let value): return "s" + value
        case .json(let value): return "j" + value
        }
    }
}
