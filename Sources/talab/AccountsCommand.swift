public import ArgumentParser
import Foundation
import TalabDashboard
public import TalabStore

extension AccountStore.Role: ExpressibleByArgument {}

/// `talab accounts`: the dashboard's first logins, made from the command line. Passwords are read
/// from the terminal without echo (twice), or as one line of stdin when it is not a terminal;
/// never from a flag, so they stay out of shell history and process lists.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Dashboard logins: add, list, disable, reset a password.",
        subcommands: [Add.self, List.self, Disable.self, ResetPassword.self]
    )

    static func withStore(_ database: DatabaseOptions, _ body: (AccountStore) async throws -> Void) async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            try await body(AccountStore(pool: pool))
        }
    }

    /// A new password from the terminal (asked twice) or stdin, checked and hashed.
    static func newPasswordHash(cost: UInt8) async throws -> String {
        let password: String
        if isatty(STDIN_FILENO) != 0 {
            let first = try PasswordPrompt.read("New password: ")
            let second = try PasswordPrompt.read("Again: ")
            guard first == second else { throw PasswordPrompt.Failure(description: "the two passwords differ") }
            password = first
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw PasswordPrompt.Failure(description: "no password on stdin")
            }
            password = line
        }
        if let weakness = PasswordHasher.weakness(of: password) {
            throw PasswordPrompt.Failure(description: weakness)
        }
        return try await PasswordHasher(cost: cost).hash(password)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a login; its password is read from the terminal or stdin."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Its email, which it signs in with.") var email: String
        @Option(help: "admin (the platform), or owner, manager, staff (of --tenant).") var role: AccountStore.Role
        @Option(help: ArgumentHelp("The business it belongs to.", valueName: "slug")) var tenant: String?
        @Option(help: ArgumentHelp("Limit it to this branch of the tenant.", valueName: "key")) var branch: String?
        @Option(help: "The name shown in the dashboard and on audit records.") var name: String?
        @Option(help: "Interface language: en, fr or ar.") var language = "en"
        @Option(help: .hidden) var bcryptCost: UInt8 = 12

        func validate() throws {
            guard ["en", "fr", "ar"].contains(language) else { throw ValidationError("--language is en, fr or ar") }
        }

        func run() async throws {
            try await AccountsCommand.withStore(database) { store in
                let hash = try await AccountsCommand.newPasswordHash(cost: bcryptCost)
                let account = try await store.add(
                    email: email,
                    passwordHash: hash,
                    role: role,
                    tenant: tenant,
                    branch: branch,
                    displayName: name,
                    language: language
                )
                print("Added \(account.email) (\(AccountsCommand.scope(account))).")
            }
        }
    }

    static func scope(_ account: AccountStore.Account) -> String {
        var text = account.role.rawValue
        if let business = account.businessSlug { text += " of \(business)" }
        if let branch = account.branchKey { text += ", branch \(branch)" }
        return text
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every login, or a tenant's.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only this tenant's.", valueName: "slug")) var tenant: String?

        func run() async throws {
            try await AccountsCommand.withStore(database) { store in
                let accounts = try await store.list(tenant: tenant)
                guard !accounts.isEmpty else {
                    print("No logins.")
                    return
                }
                for account in accounts {
                    print(
                        [account.email, AccountsCommand.scope(account), account.disabled ? "disabled" : "enabled"]
                            .joined(separator: "  ")
                    )
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a login from signing in; its open sessions end at once."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The login's email.") var email: String

        func run() async throws {
            try await AccountsCommand.withStore(database) { store in
                try await store.disable(email: email)
                print("Disabled \(email.lowercased()); its sessions are signed out.")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password (read from the terminal or stdin); signs every session out."
        )
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The login's email.") var email: String
        @Option(help: .hidden) var bcryptCost: UInt8 = 12

        func run() async throws {
            try await AccountsCommand.withStore(database) { store in
                try await store.setPassword(
                    email: email,
                    passwordHash: try await AccountsCommand.newPasswordHash(cost: bcryptCost)
                )
                print("New password set for \(email.lowercased()); its sessions are signed out.")
            }
        }
    }
}

/// Reads a line from the terminal with echo off.
enum PasswordPrompt {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw Failure(description: "no password given") }
        return line
    }
}
