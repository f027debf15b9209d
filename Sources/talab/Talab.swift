import ArgumentParser
import TalabCore

@main
struct TalabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "talab",
        abstract: "WhatsApp-first ordering and booking: tenant config as code, reconciled into PostgreSQL.",
        version: Talab.version
    )
}
