import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TalabApp
import TalabConfig
import TalabCore
import TalabDashboard
import TalabDev
import TalabReconciler
import TalabStore
import TalabWhatsApp

extension DevFolder {
    /// The `.talab/` folder of the project the current directory is in.
    static var project: DevFolder {
        DevFolder(folder: LocalCluster.projectFolder(from: currentDirectory).appendingPathComponent(".talab"))
    }

    /// The tenants' tokens: the environment's, else a stand-in the fake Graph API takes.
    var secrets: any SecretSource { StandInSecrets() }
}

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract:
            "Run everything on this machine: PostgreSQL, migrations, Tenants/ at HEAD, a fake Graph API, the server.",
        discussion: """
            Starts the private cluster of `talab db`, migrates it, applies the tenants of the repository's \
            HEAD (stand-in WhatsApp tokens for any the environment lacks: the fake Graph API accepts any), \
            then runs a fake Graph API and `talab serve` against it until SIGINT or SIGTERM. The master key \
            and the webhook app secret are kept in .talab/ (never in git). Talk to it with `talab chat`.
            """
    )

    @Option(help: ArgumentHelp("Port of the server.", valueName: "port")) var port = 8080
    @Option(help: ArgumentHelp("Port of the fake Graph API.", valueName: "port")) var graphPort = 9090

    func run() async throws {
        try await reportingFailure {
            let environment = DevFolder.project
            // Made once and kept in .talab/; apply on the local cluster reads it there, with stand-in
            // tokens for the tenants' numbers (the fake Graph API takes any bearer token).
            let masterKey = try environment.masterKey
            let appSecret = try environment.appSecret
            let verifyToken = try environment.verifyToken
            let source = try GitCommitSource(repository: GitRepository(discoveringFrom: "."), revision: "HEAD")
            let tenants = try TenantLoader().load(from: source).tenants

            let start = try DatabaseCommand.Start.parse([])
            try await start.run()
            let migrate = try MigrateCommand.parse([])
            try await migrate.run()
            let apply = try ApplyCommand.parse([])
            try await apply.run()

            let url = try DatabaseOptions.parse([]).resolve()
            let logins = try await DevCommand.demoLogins(url: url, tenants: tenants.map(\.slug), folder: environment)
            var logger = Logger(label: "talab.dev")
            logger.logLevel = .notice
            let webhookURL = "http://127.0.0.1:\(port)/webhooks/whatsapp"
            let fake = FakeGraphAPI(statusWebhook: (webhookURL, appSecret))
            let graph = Application(
                router: fake.router(),
                configuration: .init(address: .hostname("127.0.0.1", port: graphPort), serverName: "talab-fake-graph"),
                logger: logger
            )
            var settings = Server.Settings(databaseURL: url, appSecret: appSecret, verifyToken: verifyToken)
            settings.port = port
            var dashboard = Dashboard.Settings(jwtSecret: try environment.jwtSecret)
            // "86" from the dashboard commits to a clone of this project kept in .talab/, reset to
            // HEAD at each start (as the database is), never to the project itself.
            dashboard.catalog = Dashboard.CatalogSettings(
                repository: try DevCommand.tenantClone(environment),
                secrets: environment.secrets,
                objects: try ObjectStoreOptions.parse([]).store()
            )
            settings.dashboard = dashboard
            // The images apply just copied, served under /objects/ as their URLs say.
            settings.objects = try ObjectStoreOptions.parse([]).settings().local
            settings.graph = GraphSettings(
                baseURL: "http://127.0.0.1:\(graphPort)",
                version: "v23.0",
                messagesPerSecond: 80
            )
            let graphURL = "http://127.0.0.1:\(graphPort)"
            let stateFile = environment.stateFile
            let server = try await Server.application(
                settings,
                sealer: try SecretSealer(base64Key: masterKey),
                logger: logger,
                onServerRunning: { _ in
                    environment.record(.init(webhookURL: webhookURL, graphURL: graphURL, pid: getpid()))
                    let chats = tenants.map { "  talab chat \($0.slug)" }.joined(separator: "\n")
                    let logins = logins.map { "                    \($0.email)  \($0.password)" }
                        .joined(separator: "\n")
                    print(
                        """

                        talab dev is running (Ctrl-C stops it; the database keeps running: talab db stop)
                          server        http://127.0.0.1:\(port)  (webhook \(webhookURL))
                          fake Graph    \(graphURL)
                          database      \(url.redacted)
                          tenants       \(tenants.map(\.slug).joined(separator: ", "))
                          dashboard     http://127.0.0.1:\(port)/dashboard  (the demo logins, kept in .talab/:)
                        \(logins)
                        Chat as a customer from another terminal:
                        \(chats)
                        """
                    )
                    fflush(nil)
                }
            )
            let group = ServiceGroup(
                configuration: .init(
                    services: [graph, server],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
            try? FileManager.default.removeItem(at: stateFile)
        }
    }
}

extension DevCommand {
    /// `.talab/tenant-repo`: a clone of the project at its HEAD, without a remote (nothing is pushed).
    static func tenantClone(_ folder: DevFolder) throws -> String {
        let clone = folder.folder.appendingPathComponent("tenant-repo")
        let project = LocalCluster.projectFolder(from: currentDirectory).path
        func git(_ arguments: [String]) throws {
            let outcome = try Subprocess.runBlocking("/usr/bin/env", ["git"] + arguments)
            guard outcome.succeeded else {
                throw DevFolder.Failure(description: "git \(arguments.joined(separator: " ")): \(outcome.output)")
            }
        }
        if !FileManager.default.fileExists(atPath: clone.appendingPathComponent(".git").path) {
            try git(["clone", "-q", "--no-hardlinks", project, clone.path])
            try git(["-C", clone.path, "remote", "remove", "origin"])
        }
        try git(["-C", clone.path, "fetch", "-q", project, "HEAD"])
        try git(["-C", clone.path, "reset", "-q", "--hard", "FETCH_HEAD"])
        return clone.path
    }

    /// An owner login per tenant (`owner@<tenant>.demo`) and a platform admin (`admin@talab.demo`),
    /// their passwords kept in `.talab/`; made or reset so the printed password always works.
    static func demoLogins(
        url: DatabaseURL,
        tenants: [String],
        folder: DevFolder
    ) async throws -> [(email: String, password: String)] {
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let accounts = AccountStore(pool: pool)
        let hasher = PasswordHasher(cost: 10)
        var logins: [(String, String)] = []
        let wanted: [(email: String, role: AccountStore.Role, tenant: String?)] =
            tenants.map { ("owner@\($0).demo", .owner, $0) } + [("admin@talab.demo", .admin, nil)]
        for (email, role, tenant) in wanted {
            let password = try folder.demoPassword(for: tenant ?? "platform-admin")
            if let existing = try await accounts.credentials(email: email) {
                if try await !hasher.verify(password, hash: existing.passwordHash) {
                    try await accounts.setPassword(email: email, passwordHash: try await hasher.hash(password))
                }
            } else {
                _ = try await accounts.add(
                    email: email,
                    passwordHash: try await hasher.hash(password),
                    role: role,
                    tenant: tenant,
                    displayName: role == .admin ? "Demo admin" : "Demo owner"
                )
            }
            logins.append((email, password))
        }
        return logins
    }
}

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a tenant as a WhatsApp customer, through signed webhooks to the running server.",
        discussion: """
            Each line you type is posted to the server as Meta would post it, signed with the app secret; \
            the replies are read back from the fake Graph API they were sent to. Buttons and list rows are \
            numbered: type the number to tap one. `/location LAT,LON` shares a location; `/voice` sends a \
            voice note. When standard input is not a terminal, each input line is one customer message and \
            the transcript is printed, so conversations can be scripted. Talks to `talab dev` unless --url and --graph-url \
            are given (then TALAB_WHATSAPP_APP_SECRET signs). The tenant's number is read from Tenants/ at \
            HEAD, as `talab dev` applied it.
            """
    )

    @Argument(help: "The tenant's folder name in Tenants/, like abu-salim-grill.") var tenant: String
    @Option(help: ArgumentHelp("Talk to this branch (its own number, or picked on a shared one).", valueName: "key"))
    var branch: String?
    @Option(name: .customLong("as"), help: ArgumentHelp("The customer's phone number.", valueName: "+961…"))
    var phone: String = ChatCommand.defaultPhone
    static let defaultPhone = "+96170000123"
    @Option(help: ArgumentHelp("The customer's WhatsApp user id (a username customer).", valueName: "id"))
    var userID: String?
    @Option(help: ArgumentHelp("The customer's profile name.", valueName: "name")) var name = "Rami"
    @Option(help: ArgumentHelp("The server's webhook URL (default: the running talab dev).", valueName: "url"))
    var url: String?
    @Option(help: ArgumentHelp("The fake Graph API's URL (default: the running talab dev).", valueName: "url"))
    var graphURL: String?

    func run() async throws {
        try await reportingFailure {
            let environment = DevFolder.project
            var webhookURL = url
            var graph = graphURL
            if webhookURL == nil || graph == nil {
                let running = try environment.running()
                webhookURL = webhookURL ?? running.webhookURL
                graph = graph ?? running.graphURL
            }
            let project = LocalCluster.projectFolder(from: currentDirectory)
            // The tenant as `talab dev` applied it: at HEAD, not as the worktree may have it since.
            let source = try GitCommitSource(repository: GitRepository(discoveringFrom: project.path), revision: "HEAD")
            let validation = try TenantLoader().load(from: source, only: [tenant])
            guard let config = validation.tenants.first else {
                throw ValidationError(
                    "no valid tenant '\(tenant)' in Tenants/ at HEAD (talab validate --tenant \(tenant) says why)"
                )
            }
            var chosenBranch: BranchConfig?
            if let branch {
                guard let found = config.branches.first(where: { $0.key == branch }) else {
                    throw ValidationError(
                        "\(tenant) has no branch '\(branch)'; its branches: \(config.branches.map(\.key).joined(separator: ", "))"
                    )
                }
                chosenBranch = found
            }
            guard
                let number = chosenBranch?.whatsapp?.phoneNumberID ?? config.business.whatsapp?.phoneNumberID
                    ?? config.branches.first?.whatsapp?.phoneNumberID
            else { throw ValidationError("\(tenant) has no WhatsApp number") }
            let client = ChatClient(
                webhookURL: webhookURL ?? "",
                graphURL: graph ?? "",
                appSecret: try environment.appSecret,
                phoneNumberID: number,
                // With --user-id alone the customer is a username customer, without a phone number.
                phone: userID != nil && phone == ChatCommand.defaultPhone ? nil : phone.filter(\.isNumber),
                userID: userID,
                profileName: name
            )
            try await client.start()
            let interactive = isatty(STDIN_FILENO) == 1
            let business = config.business.name
            if interactive {
                print(
                    "Chatting with \(business) as \(userID ?? phone). A number taps a choice; /location LAT,LON; /voice; /quit."
                )
            }
            var choices: [ChatClient.Reply.Choice] = []
            var choicesFromList = false
            func show(_ replies: [ChatClient.Reply]) {
                for reply in replies {
                    print("\(business) › \(reply.text.replacingOccurrences(of: "\n", with: "\n    "))")
                    for (index, choice) in reply.choices.enumerated() { print("    [\(index + 1)] \(choice.title)") }
                    if !reply.choices.isEmpty {
                        choices = reply.choices
                        choicesFromList = reply.isList
                    }
                }
                fflush(nil)
            }
            // A branch without its own number is picked on the shared one, as the customer would.
            if let chosenBranch, chosenBranch.whatsapp == nil, config.branches.count > 1 {
                show(
                    try await client.send(
                        .choice(
                            id: ChoiceID.branch(chosenBranch.key).rawValue,
                            title: chosenBranch.name,
                            fromList: false
                        )
                    )
                )
            }
            while true {
                if interactive {
                    print("you › ", terminator: "")
                    fflush(nil)
                }
                guard let line = readLine()?.trimmingCharacters(in: .whitespaces) else { break }
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line == "/quit" { break }
                if !interactive { print("you › \(line)") }
                let input: ChatClient.Input
                if let number = Int(line), (1...choices.count).contains(number) {
                    let choice = choices[number - 1]
                    input = .choice(id: choice.id, title: choice.title, fromList: choicesFromList)
                    if !interactive { print("    (taps \(choice.title))") }
                } else if line.hasPrefix("/location ") {
                    let parts = line.dropFirst(10).split(separator: ",").compactMap {
                        Double($0.trimmingCharacters(in: .whitespaces))
                    }
                    guard parts.count == 2 else {
                        print("usage: /location 33.8959,35.4828")
                        continue
                    }
                    input = .location(latitude: parts[0], longitude: parts[1])
                } else if line == "/voice" {
                    input = .voiceNote
                } else {
                    input = .text(line)
                }
                show(try await client.send(input))
            }
        }
    }
}

/// The tenants' tokens on a development machine: the environment's when set, else a stand-in, as
/// `talab dev` applies them (its fake Graph API takes any bearer token).
struct StandInSecrets: SecretSource {
    func value(of reference: SecretReference) -> String? {
        EnvironmentSecrets().value(of: reference) ?? "dev-token"
    }
}
