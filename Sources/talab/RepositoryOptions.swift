import ArgumentParser
import Foundation
import TalabConfig
import TalabCore

/// Which tenant configuration a command reads: a repository, a revision in it, maybe some tenants only.
struct RepositoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A path inside the git repository.", valueName: "path")) var repo = "."
    @Option(help: ArgumentHelp("The revision to read: a branch, tag, sha, HEAD~1… (default HEAD)", valueName: "rev"))
    var ref: String?
    @Option(help: ArgumentHelp("Only this tenant (repeatable).", valueName: "slug")) var tenant: [String] = []

    /// The configuration at the revision, read from the commit through libgit2.
    func commitSource() throws -> GitCommitSource {
        try GitCommitSource(repository: GitRepository(discoveringFrom: repo), revision: ref ?? "HEAD")
    }

    /// The valid tenants among `only` (none when it is empty); fails like `validTenants` when invalid.
    func tenants(from source: any ConfigSource, only: Set<String>) throws -> [TenantConfig] {
        guard !only.isEmpty else { return [] }
        return try validTenants(from: source, only: only).tenants
    }

    /// Loads and validates (the `--tenant`s, or `only`); prints the diagnostics and fails when invalid.
    func validTenants(from source: any ConfigSource, only: Set<String>? = nil) throws -> TenantValidation {
        let validation = try TenantLoader().load(from: source, only: only ?? Set(tenant))
        guard validation.isValid else {
            report(validation)
            throw ExitCode.failure
        }
        return validation
    }

    /// Prints every diagnostic and the summary, as `talab validate` does.
    func report(_ validation: TenantValidation) {
        print(DiagnosticFormat.text.render(validation.diagnostics), terminator: "")
        print("validated \(validation.summary)")
    }
}
