import ArgumentParser
import TalabConfig
import TalabCore
import TalabStore

@main
struct TalabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talab",
        abstract: "WhatsApp-first ordering and booking: tenant config as code, reconciled into PostgreSQL.",
        version: "talab \(Talab.version) (libgit2 \(LinkedLibraries.libgit2), libyaml \(LinkedLibraries.libyaml), "
            + "libpq \(LibPQ.version))",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, DriftCommand.self, AuditCommand.self,
            MigrateCommand.self, ServeCommand.self, DevCommand.self, ChatCommand.self, FakeGraphCommand.self,
            OrdersCommand.self, InboxCommand.self, ArchiveCommand.self, HistoryCommand.self, MetricsCommand.self,
            DatabaseCommand.self, AccountsCommand.self,
            BenchCommand.self,
        ]
    )
}
