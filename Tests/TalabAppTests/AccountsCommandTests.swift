import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// `talab accounts` through the binary: the password comes on stdin (never a flag), is checked,
/// hashed, and never printed.
@Suite struct AccountsCommandTests {
    /// Runs talab with `input` on its stdin; its stdout and stderr together.
    static func talab(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = ServeCommandTests.binary
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: ServeCommandTests.binary.path), "build talab first")
    )
    func loginsAreAddedListedDisabledAndResetFromTheTerminal() async throws {
        let database = try await CatalogDatabase.make()
        defer { database.pool.close() }
        let url = ["--database-url", database.url.unredacted]
        let password = "kitchen tablet 2026"
        let added = try AccountsCommandTests.talab(
            [
                "accounts", "add", "--email", "Chef@Abu-Salim.example", "--role", "staff", "--tenant",
                "abu-salim-grill",
                "--branch", "hamra", "--bcrypt-cost", "4",
            ] + url,
            input: password + "\n"
        )
        #expect(
            added.status == 0
                && added.output.contains("chef@abu-salim.example (staff of abu-salim-grill, branch hamra)")
        )
        #expect(!added.output.contains(password))
        let stored = try #require(
            try await AccountStore(pool: database.pool).credentials(email: "chef@abu-salim.example")
        )
        #expect(stored.passwordHash.hasPrefix("$2") && !stored.passwordHash.contains(password))

        let refusals: [([String], String, String)] = [
            (
                ["--email", "a@b.example", "--role", "owner", "--tenant", "abu-salim-grill"], "short\n",
                "at least 10 characters"
            ),
            (
                ["--email", "a@b.example", "--role", "admin", "--tenant", "abu-salim-grill"], password + "\n",
                "admin belongs to the platform"
            ),
            (["--email", "a@b.example", "--role", "owner"], password + "\n", "--tenant SLUG is required"),
            (
                ["--email", "chef@abu-salim.example", "--role", "owner", "--tenant", "abu-salim-grill"],
                password + "\n", "already has a login"
            ),
            (
                ["--email", "a@b.example", "--role", "owner", "--tenant", "nowhere"], password + "\n",
                "no business nowhere"
            ),
            (
                ["--email", "not-an-email", "--role", "owner", "--tenant", "abu-salim-grill"], password + "\n",
                "not an email"
            ),
        ]
        for (arguments, input, message) in refusals {
            let refused = try AccountsCommandTests.talab(
                ["accounts", "add", "--bcrypt-cost", "4"] + arguments + url,
                input: input
            )
            #expect(refused.status == 1 && refused.output.contains(message), "\(refused.output)")
        }
        let list = try AccountsCommandTests.talab(["accounts", "list", "--tenant", "abu-salim-grill"] + url)
        #expect(list.output == "chef@abu-salim.example  staff of abu-salim-grill, branch hamra  enabled\n")
        #expect(
            try AccountsCommandTests.talab(["accounts", "disable", "--email", "chef@abu-salim.example"] + url).status
                == 0
        )
        #expect(try AccountsCommandTests.talab(["accounts", "list"] + url).output.contains("disabled"))
        let reset = try AccountsCommandTests.talab(
            ["accounts", "reset-password", "--email", "chef@abu-salim.example", "--bcrypt-cost", "4"] + url,
            input: "another long secret\n"
        )
        #expect(reset.status == 0)
        let after = try #require(
            try await AccountStore(pool: database.pool).credentials(email: "chef@abu-salim.example")
        )
        #expect(after.passwordHash != stored.passwordHash && !after.account.disabled)
    }
}
