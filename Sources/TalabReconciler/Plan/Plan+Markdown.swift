extension Plan {
    /// GitHub's limit on a comment's length; a markdown plan always fits under it.
    public static let commentLimit = 65_000

    /// The plan for a pull-request comment: a summary table per tenant, each tenant's changes folded
    /// in `<details>`. Past `limit` characters the details stop and the comment points to the JSON plan.
    public func markdown(commit: String? = nil, limit: Int = Plan.commentLimit) -> String {
        let at = commit.map { " at `\($0.prefix(12))`" } ?? ""
        var text = "### Talab plan\(at)\n\n"
        guard !isEmpty else {
            return text + "No changes: the database matches the configuration (\(tenants.count) tenants).\n"
        }
        text += "**\(count(.create)) to create, \(count(.update)) to update, \(count(.delete)) to delete, "
        text += "\(count(.restore)) to restore.**\n\n"
        for reason in destructive {
            text += "> [!WARNING]\n> Destructive: \(reason). Applying it needs `--allow-destroy`.\n\n"
        }
        let bySlug = Dictionary(grouping: changes, by: \.slug)
        let changed = tenants.filter { bySlug[$0] != nil }
        text += "| tenant | create | update | delete | restore |\n| --- | ---: | ---: | ---: | ---: |\n"
        for slug in changed {
            let tenantChanges = bySlug[slug] ?? []
            let counts = [PlanChange.Action.create, .update, .delete, .restore].map { action in
                String(tenantChanges.filter { $0.action == action }.count)
            }
            text += "| \(slug) | \(counts.joined(separator: " | ")) |\n"
        }
        text += "\n"
        let note =
            "\n_The plan is too long for a comment: the details of %d tenants are left out. "
            + "Run `talab plan --format json` for all of it._\n"
        for (index, slug) in changed.enumerated() {
            let tenantChanges = bySlug[slug] ?? []
            let details = Plan(changes: tenantChanges, tenants: [slug]).text
                .split(separator: "\n").dropFirst().dropLast().joined(separator: "\n")
            let block =
                "<details><summary>\(slug): \(tenantChanges.count) changes</summary>\n\n```diff\n"
                + details + "\n```\n</details>\n\n"
            guard text.count + block.count + note.count + 10 <= limit else {
                return text + note.replacingOccurrences(of: "%d", with: String(changed.count - index))
            }
            text += block
        }
        return text
    }
}
