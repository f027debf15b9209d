extension Plan {
    /// The plan for a terminal or a log: one line per change, field by field for updates.
    public var text: String {
        var lines: [String] = []
        let bySlug = Dictionary(grouping: changes, by: \.slug)
        for slug in tenants {
            guard let tenantChanges = bySlug[slug], !tenantChanges.isEmpty else { continue }
            lines.append("\(slug):")
            for change in tenantChanges {
                let source = change.row.source.map { "  (\($0.file):\($0.line))" } ?? ""
                switch change.action {
                case .create: lines.append("  + \(change.label)\(source)")
                case .delete:
                    lines.append("  - \(change.label)\(change.table.softDelete ? " (soft delete)" : "")")
                case .restore: lines.append("  ↺ \(change.label) restored\(source)")
                case .update: lines.append("  ~ \(change.label)\(source)")
                }
                for field in change.fields where change.action != .create {
                    if case .secret = field.new {
                        lines.append("      \(field.column): (sensitive value changed)")
                    } else {
                        lines.append("      \(field.column): \(field.old) → \(field.new)")
                    }
                }
            }
        }
        for reason in destructive {
            lines.append("Destructive: \(reason); applying it needs --allow-destroy.")
        }
        lines.append(
            isEmpty
                ? "No changes: the database matches the configuration (\(tenants.count) tenants)."
                : "Plan: \(count(.create)) to create, \(count(.update)) to update, \(count(.delete)) to delete, "
                    + "\(count(.restore)) to restore."
        )
        return lines.joined(separator: "\n") + "\n"
    }
}
