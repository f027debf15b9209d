import ArgumentParser
import Foundation
import TalabConfig
import TalabReconciler
import TalabStore

/// How `talab plan` writes the plan.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case markdown
    case json
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what applying the tenant configuration at a commit would change in PostgreSQL.",
        discussion: "Exit status: 0 when nothing would change, 2 when something would, 1 on error."
    )

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var objects: ObjectStoreOptions
    @Flag(help: "Compare every tenant row by row, even those unchanged since they were last applied.")
    var full = false
    @Option(help: "text; markdown for a pull-request comment (under 65,000 characters); json (with a format_version).")
    var format = PlanFormat.text
    @Option(help: ArgumentHelp("Write the plan to this file instead of standard output.", valueName: "file"))
    var out: String?

    func run() async throws {
        var commit: String?
        let plan = try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            let selection = try await TenantSelection.make(
                source: repository.commitSource(),
                tenants: repository.tenant,
                reconciler: Reconciler(pool: pool),
                full: full
            )
            commit = selection.source.commit.sha
            guard !selection.isUnchanged else { return selection.unchangedPlan }
            return try await objects.reconciler(pool, local: database.isLocalCluster).plan(
                repository.tenants(from: selection.source, only: selection.slugs),
                removed: selection.removed
            )
        }
        let rendered: String
        switch format {
        case .text: rendered = plan.text
        case .markdown: rendered = plan.markdown(commit: commit)
        case .json: rendered = plan.json(commit: commit)
        }
        if let out {
            try await reportingFailure { try Data(rendered.utf8).write(to: URL(fileURLWithPath: out)) }
        } else {
            print(rendered, terminator: "")
        }
        if !plan.isEmpty { throw ExitCode(2) }
    }
}

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply the tenant configuration at a commit to PostgreSQL in one transaction, audited.",
        discussion: """
            Every change is recorded in audit.audit_logs with the commit's author as the actor, and the \
            run in reconcile_runs. A failure leaves the database exactly as it was. With --plan, the \
            reviewed JSON plan is applied exactly, at its commit, or refused if the database moved.
            """
    )

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var objects: ObjectStoreOptions
    @Flag(help: "Compare every tenant row by row, even those unchanged since they were last applied.")
    var full = false
    @Option(help: ArgumentHelp("Apply exactly this plan (from talab plan --format json).", valueName: "file"))
    var plan: String?
    @Flag(help: "Apply even a plan that deletes a tenant, a branch or more than 20 % of a tenant's items.")
    var allowDestroy = false
    @Option(help: ArgumentHelp("Give up after waiting this many seconds for another apply.", valueName: "seconds"))
    var lockTimeout: Double?

    func validate() throws {
        if plan != nil && (repository.ref != nil || !repository.tenant.isEmpty || full) {
            throw ValidationError("--plan applies the plan's own commit and tenants: drop --ref, --tenant and --full")
        }
    }

    func run() async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            let reviewed = try plan.map { file in
                try ReviewedPlan.read(try Data(contentsOf: URL(fileURLWithPath: file)), file: file)
            }
            let reconciler = try objects.reconciler(pool, local: database.isLocalCluster)
            var request = Reconciler.CommitRequest()
            request.tenants = repository.tenant
            request.full = full
            request.allowDestroy = allowDestroy
            request.lockTimeout = lockTimeout.map { .milliseconds(Int($0 * 1000)) }
            request.reviewed = reviewed
            // A reviewed plan is applied at the commit it was made at.
            let source =
                if let reviewed {
                    try GitCommitSource(
                        repository: GitRepository(discoveringFrom: repository.repo),
                        revision: reviewed.commit
                    )
                } else {
                    try repository.commitSource()
                }
            let result: Reconciler.CommitResult
            do {
                result = try await reconciler.apply(source, request)
            } catch let invalid as InvalidTenants {
                repository.report(invalid.validation)
                throw ExitCode.failure
            }
            guard let outcome = result.outcome else {
                print(result.plan.text, terminator: "")
                return
            }
            print(outcome.plan.text, terminator: "")
            if outcome.imagesCopied > 0 {
                print("Copied \(outcome.imagesCopied) images to \(try objects.settings().summary).")
            }
            print(
                outcome.plan.isEmpty
                    ? "Nothing to apply at \(source.commit.shortSHA)."
                    : "Applied \(outcome.plan.changes.count) changes from \(source.commit.shortSHA) by "
                        + "\(source.commit.author.name) (run \(outcome.runID.uuidString.lowercased()))."
            )
        }
    }
}

struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Find rows changed in the database outside git since they were last applied.",
        discussion: """
            A tenant has drifted when its folder is as it was last applied but its rows are not. The \
            output is the plan that puts them back; `talab apply` does it. Exit status: 0 when nothing \
            drifted, 2 when something did, 1 on error.
            """
    )

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var objects: ObjectStoreOptions

    func run() async throws {
        let (drifted, plan) = try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            let reconciler = try objects.reconciler(pool, local: database.isLocalCluster)
            let selection = try await TenantSelection.make(
                source: repository.commitSource(),
                tenants: repository.tenant,
                reconciler: reconciler,
                full: false
            )
            let drifted = try await reconciler.drifted(subtrees: selection.subtrees)
            guard !drifted.isEmpty else { return (drifted, selection.unchangedPlan) }
            return (drifted, try await reconciler.plan(repository.tenants(from: selection.source, only: drifted)))
        }
        guard !drifted.isEmpty else {
            print("No drift: every tenant's rows are as they were last applied.")
            return
        }
        print("Changed outside git: \(drifted.sorted().joined(separator: ", ")). Applying puts back:")
        print(plan.text, terminator: "")
        throw ExitCode(2)
    }
}
