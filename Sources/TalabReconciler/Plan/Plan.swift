public import Foundation
import TalabCore

/// One column that an update changes.
public struct FieldChange: Sendable, Hashable {
    public let column: String
    public let old: ColumnValue
    public let new: ColumnValue

    public init(column: String, old: ColumnValue, new: ColumnValue) {
        self.column = column
        self.old = old
        self.new = new
    }
}

/// One change the reconciler will make to one row.
public struct PlanChange: Sendable, Hashable {
    public enum Action: String, Sendable {
        case create
        case update
        /// A soft delete where the table keeps history, a delete otherwise.
        case delete
        /// A soft-deleted row that the configuration names again: same id, history kept.
        case restore
    }

    public let action: Action
    public let table: ConfigTable
    public let id: UUID
    public let slug: String
    public let label: String
    public let fields: [FieldChange]
    /// The row as it will be (create, update, restore) or as it was (delete).
    public let row: ConfigRow
    public let before: ConfigRow?

    /// The audit log's action: `create_item`, `update_price`, `delete_branch`, …
    public var auditAction: String {
        if action == .update, table == .items {
            let columns = Set(fields.map(\.column))
            if columns == ["price"] { return "update_price" }
            if columns == ["availability"] { return "update_availability" }
        }
        return "\(action.rawValue)_\(table.entity)"
    }
}

/// What applying the configuration at a commit would change, tenant by tenant.
public struct Plan: Sendable {
    public let changes: [PlanChange]
    /// The tenants compared, by slug.
    public let tenants: [String]

    private let counts: [PlanChange.Action: Int]
    /// Why applying would destroy more than a pull request usually means to: whole branches, or more
    /// than a fifth of a tenant's items. Applying such a plan needs `--allow-destroy`.
    public let destructive: [String]
    /// The fingerprint of each compared tenant's rows when the plan was made ("" for a tenant with
    /// none yet): `apply --plan` refuses when the database no longer matches it.
    public internal(set) var basis: [String: String] = [:]
    /// Tenants whose folder is gone from the commit: every row of theirs is deleted.
    public let removedTenants: [String]

    /// The share of a tenant's live items a plan may remove without `--allow-destroy`.
    public static let itemDeletionLimit = 0.2

    public init(
        changes: [PlanChange],
        tenants: [String],
        liveItems: [String: Int] = [:],
        removedTenants: [String] = []
    ) {
        self.changes = changes
        self.tenants = tenants
        self.removedTenants = removedTenants
        var reasons = removedTenants.map { "\($0): its folder is gone, so the whole tenant is deleted" }
        let bySlug = Dictionary(grouping: changes.filter { $0.action == .delete }, by: \.slug)
        for slug in bySlug.keys.sorted() where !removedTenants.contains(slug) {
            let deletes = bySlug[slug] ?? []
            for branch in deletes where branch.table == .branches {
                reasons.append("\(slug): it deletes \(branch.label)")
            }
            let items = deletes.filter { $0.table == .items }.count
            if let live = liveItems[slug], live > 0, Double(items) / Double(live) > Plan.itemDeletionLimit {
                reasons.append("\(slug): it deletes \(items) of \(live) items (more than 20 %)")
            }
        }
        self.destructive = reasons
        var counts: [PlanChange.Action: Int] = [:]
        for change in changes { counts[change.action, default: 0] += 1 }
        self.counts = counts
    }

    public var isEmpty: Bool { changes.isEmpty }

    public func count(_ action: PlanChange.Action) -> Int { counts[action] ?? 0 }

    /// Compares the rows the configuration asks for with the rows the database holds.
    public static func make(
        desired: [ConfigRow],
        actual: [UUID: ConfigRow],
        tenants: [String],
        removedTenants: [String] = []
    ) -> Plan {
        var changes: [PlanChange] = []
        var wanted: Set<UUID> = []
        for row in desired {
            wanted.insert(row.id)
            guard let existing = actual[row.id] else {
                changes.append(change(.create, row, before: nil, fields: []))
                continue
            }
            let fields = row.table.columns.compactMap { column -> FieldChange? in
                let new = row[column.name]
                let old = existing[column.name]
                return new == old ? nil : FieldChange(column: column.name, old: old, new: new)
            }
            if existing.deletedAt != nil {
                changes.append(change(.restore, row, before: existing, fields: fields))
            } else if !fields.isEmpty {
                changes.append(change(.update, row, before: existing, fields: fields))
            }
        }
        for row in actual.values where !wanted.contains(row.id) && row.deletedAt == nil {
            changes.append(change(.delete, row, before: row, fields: []))
        }
        // Sort small keys, then move each change once: changes are large values. Tenants and tables
        // compare as their ranks, so labels are compared only within one tenant's table.
        let order = Dictionary(uniqueKeysWithValues: ConfigTable.all.enumerated().map { ($0.element.name, $0.offset) })
        let slugs = Dictionary(
            uniqueKeysWithValues: Set(changes.map(\.slug)).sorted().enumerated().map { ($0.element, $0.offset) }
        )
        let keys = changes.enumerated().map {
            (slugs[$0.element.slug] ?? 0, order[$0.element.table.name] ?? 0, $0.element.label, $0.offset)
        }
        let sorted = keys.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map { changes[$0.3] }
        var liveItems: [String: Int] = [:]
        for row in actual.values where row.table == .items && row.deletedAt == nil {
            liveItems[row.slug, default: 0] += 1
        }
        return Plan(changes: sorted, tenants: tenants, liveItems: liveItems, removedTenants: removedTenants)
    }

    private static func change(
        _ action: PlanChange.Action,
        _ row: ConfigRow,
        before: ConfigRow?,
        fields: [FieldChange]
    ) -> PlanChange {
        PlanChange(
            action: action,
            table: row.table,
            id: row.id,
            slug: row.slug.isEmpty ? (before?.slug ?? "") : row.slug,
            label: row.label,
            fields: fields,
            row: row,
            before: before
        )
    }
}
