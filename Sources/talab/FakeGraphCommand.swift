import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TalabDev

struct FakeGraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-graph",
        abstract: "Run a local stand-in for the WhatsApp Cloud API's messages endpoint (for development).",
        discussion: """
            Accepts send and mark-as-read requests with a bearer token and answers like Meta. With \
            --webhook-url it posts signed sent, delivered and read statuses back, signed with \
            TALAB_WHATSAPP_APP_SECRET, so the whole loop runs on one machine. Point talab serve at it \
            with --graph-url http://127.0.0.1:PORT.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("Port to listen on.", valueName: "port")) var port = 9090
    @Option(help: ArgumentHelp("Where talab serve receives webhooks, for status callbacks.", valueName: "url"))
    var webhookURL: String?

    func run() async throws {
        let statusWebhook = try webhookURL.map { url -> (url: String, appSecret: String) in
            guard let secret = ProcessInfo.processInfo.environment["TALAB_WHATSAPP_APP_SECRET"], !secret.isEmpty else {
                throw ValidationError("--webhook-url needs TALAB_WHATSAPP_APP_SECRET to sign the statuses")
            }
            return (url, secret)
        }
        let fake = FakeGraphAPI(statusWebhook: statusWebhook)
        var configured = Logger(label: "talab.fake-graph")
        configured.logLevel = .notice
        let logger = configured
        let app = Application(
            router: fake.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "talab-fake-graph"),
            onServerRunning: { channel in
                logger.notice(
                    "fake Graph API is listening",
                    metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? port)"]
                )
            },
            logger: logger
        )
        try await app.runService()
    }
}
