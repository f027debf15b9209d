import Foundation

extension Plan {
    /// The version of the JSON plan's shape; a reader refuses versions it does not know.
    public static let formatVersion = 1

    private struct Document: Encodable {
        let formatVersion: Int
        let commit: String?
        let tenants: [String]
        let summary: [String: Int]
        let destructive: [String]
        let changes: [Change]

        enum CodingKeys: String, CodingKey {
            case formatVersion = "format_version"
            case commit, tenants, summary, destructive, changes
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
