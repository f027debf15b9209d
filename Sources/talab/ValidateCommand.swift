public import ArgumentParser
import Foundation
import TalabConfig

extension DiagnosticFormat: ExpressibleByArgument {}

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the tenant YAML under Tenants/ at a commit and report every error with its file:line:col.",
        discussion: """
            Configuration is read from the commit (HEAD unless --ref says otherwise), never from the \
            working tree, so the result is what CI sees; --worktree checks uncommitted edits instead. \
            Exit status: 0 when valid, 1 when an error was found or the repository cannot be read.
            """
    )

    @OptionGroup var repository: RepositoryOptions
    @Flag(help: "Read the files on disk instead of a commit.") var worktree = false
    @Option(help: "text, json (an array of diagnostics) or github (workflow annotations).") var format =
        DiagnosticFormat.text

    func validate() throws {
        if worktree && repository.ref != nil { throw ValidationError("--ref and --worktree exclude each other") }
    }

    func run() async throws {
        let validation = try await reportingFailure {
            let source: any ConfigSource
            if worktree {
                let git = try? GitRepository(discoveringFrom: repository.repo)
                let root =
                    git?.workingDirectory.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: repository.repo)
                source = WorktreeSource(root: root)
            } else {
                source = try repository.commitSource()
            }
            return try TenantLoader().load(from: source, only: Set(repository.tenant))
        }
        print(format.render(validation.diagnostics), terminator: "")
        let summary = "validated \(validation.summary)"
        if format == .json {
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        } else {
            print(summary)
        }
        if !validation.isValid { throw ExitCode.failure }
    }
}
