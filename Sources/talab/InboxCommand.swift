import ArgumentParser
import Foundation
import TalabStore
import TalabWhatsApp

/// `talab inbox`: the webhook inbox for the operator: counts, dead letters, and putting one back.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "The webhook inbox: counts, dead-lettered bodies, and retrying one.",
        subcommands: [Status.self, Dead.self, Retry.self],
        defaultSubcommand: Status.self
    )

    static func withInbox(_ database: DatabaseOptions, _ body: (WebhookInbox) async throws -> Void) async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            try await body(WebhookInbox(pool: pool))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many bodies are pending, done and dead.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await InboxCommand.withInbox(database) { inbox in
                let counts = try await inbox.counts()
                print(
                    "pending \(counts.pending) (\(counts.leased) being handled)  done \(counts.done)  dead \(counts.failed)"
                )
            }
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Dead-lettered bodies, newest first (given up after ten failures, or after stopping a process three times).",
            discussion: "A body's content is not shown: it holds customers' messages."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            try await InboxCommand.withInbox(database) { inbox in
                let letters = try await inbox.deadLetters(limit: limit)
                guard !letters.isEmpty else {
                    print("No dead letters.")
                    return
                }
                let formatter = ISO8601DateFormatter()
                for letter in letters {
                    print(
                        [
                            "\(letter.id)", "received " + formatter.string(from: letter.receivedAt),
                            "attempts \(letter.attempts)", "lost \(letter.lostAttempts)", "\(letter.bytes) bytes",
                            letter.error ?? "",
                        ].joined(separator: "  ")
                    )
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Puts dead-lettered bodies back to be handled again, with their counts cleared."
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: ArgumentHelp("The inbox ids (from talab inbox dead).", valueName: "id")) var ids: [Int]

        func run() async throws {
            try await InboxCommand.withInbox(database) { inbox in
                var missing: [Int] = []
                for id in ids {
                    if try await inbox.retry(deadLetter: id) {
                        print("\(id): pending again")
                    } else {
                        missing.append(id)
                    }
                }
                if !missing.isEmpty {
                    throw ValidationError("not dead letters: \(missing.map(String.init).joined(separator: ", "))")
                }
            }
        }
    }
}
