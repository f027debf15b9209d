import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TalabApp
import TalabReconciler
import TalabStore
import TalabWhatsApp

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the WhatsApp runtime: the Cloud API webhook, its workers and the replies.",
        discussion: """
            Every setting has a flag and an environment variable; the flag wins. Secrets come only from \
            the environment: TALAB_WHATSAPP_APP_SECRET (signs webhooks), TALAB_WHATSAPP_VERIFY_TOKEN (the \
            handshake), TALAB_MASTER_KEY (opens the stored access tokens). SIGTERM or SIGINT drains \
            in-flight work, then exits 0 (within --drain-seconds in every case: what is left waits in the \
            inbox and the outbox for the next process).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("Address to listen on ($TALAB_HOST, default 127.0.0.1).", valueName: "host"))
    var host: String?
    @Option(help: ArgumentHelp("Port to listen on ($TALAB_PORT, default 8080).", valueName: "port"))
    var port: Int?
    @Option(
        help: ArgumentHelp(
            "Graph API base URL ($TALAB_GRAPH_URL, default https://graph.facebook.com).",
            valueName: "url"
        )
    )
    var graphURL: String?
    @Option(help: ArgumentHelp("Graph API version ($TALAB_GRAPH_VERSION, default v23.0).", valueName: "version"))
    var graphVersion: String?
    @Option(
        help: ArgumentHelp("Messages per second per business number ($TALAB_SEND_RATE, default 80).", valueName: "n")
    )
    var sendRate: Double?
    @Option(
        help: ArgumentHelp(
            "Webhook workers in this process; 0 only receives ($TALAB_INBOX_WORKERS, default 2).",
            valueName: "n"
        )
    )
    var inboxWorkers: Int?
    @Option(
        help: ArgumentHelp(
            "Log level: trace, debug, info, notice, warning, error ($TALAB_LOG_LEVEL, default info).",
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(
        help: ArgumentHelp("PostgreSQL connections of this process ($TALAB_POOL_SIZE, default 8).", valueName: "n")
    )
    var poolSize: Int?
    @Option(
        help: ArgumentHelp(
            "What answers customers: engine (the conversation) or acknowledge (a receipt only, for load tests) ($TALAB_HANDLER, default engine).",
            valueName: "name"
        )
    )
    var handler: String?
    @Option(
        help: ArgumentHelp(
            "Minutes after which an idle conversation starts over with an empty cart ($TALAB_CART_IDLE_MINUTES, default 120).",
            valueName: "minutes"
        )
    )
    var cartIdleMinutes: Double?
    @Option(
        help: ArgumentHelp(
            "Webhook bodies a worker processes per transaction ($TALAB_INBOX_BATCH, default 32).",
            valueName: "n"
        )
    )
    var inboxBatch: Int?
    @Option(
        help: ArgumentHelp(
            "Open connections at most; beyond it the longest idle is closed ($TALAB_MAX_CONNECTIONS, default half the file descriptors, at most 10000).",
            valueName: "n"
        )
    )
    var maxConnections: Int?
    @Option(
        help: ArgumentHelp(
            "Seconds a new connection has to send a request head ($TALAB_HEADER_TIMEOUT, default 10).",
            valueName: "seconds"
        )
    )
    var headerTimeout: Int?
    @Option(
        help: ArgumentHelp(
            "Seconds a request has to send its whole body ($TALAB_BODY_TIMEOUT, default 30).",
            valueName: "seconds"
        )
    )
    var bodyTimeout: Int?
    @Option(
        help: ArgumentHelp(
            "Seconds a kept-alive connection may wait for its next request ($TALAB_IDLE_TIMEOUT, default 60).",
            valueName: "seconds"
        )
    )
    var idleTimeout: Int?
    @Option(
        help: ArgumentHelp(
            "MiB of webhook bodies held at once; beyond, 503 with Retry-After ($TALAB_BODY_BUDGET_MB, default 64).",
            valueName: "mib"
        )
    )
    var bodyBudgetMB: Int?
    @Option(
        help: ArgumentHelp(
            "Seconds SIGTERM may take before the process exits regardless ($TALAB_DRAIN_SECONDS, default 8).",
            valueName: "seconds"
        )
    )
    var drainSeconds: Double?
    @OptionGroup var objects: ObjectStoreOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ flag: String?, _ name: String) -> String? {
            flag ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        /// The flag, else the environment variable read as a number (nil when it is not one), else
        /// the default the settings already hold.
        func number<Value: LosslessStringConvertible>(_ flag: Value?, _ name: String, _ fallback: Value) -> Value? {
            if let flag { return flag }
            return setting(nil, name).map { Value($0) } ?? fallback
        }
        func secret(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw ValidationError("\(name) is not set: talab serve reads it from the environment only")
            }
            return value
        }
        let app = try await reportingFailure { () async throws -> (any Service, ShutdownDeadline, Logger) in
            var settings = Server.Settings(
                databaseURL: try database.resolve(),
                appSecret: try secret("TALAB_WHATSAPP_APP_SECRET"),
                verifyToken: try secret("TALAB_WHATSAPP_VERIFY_TOKEN")
            )
            settings.host = setting(host, "TALAB_HOST") ?? settings.host
            guard let port = number(port, "TALAB_PORT", settings.port) else {
                throw ValidationError("TALAB_PORT is not a port number")
            }
            settings.port = port
            let graph = GraphSettings()
            settings.graph = GraphSettings(
                baseURL: setting(graphURL, "TALAB_GRAPH_URL") ?? graph.baseURL,
                version: setting(graphVersion, "TALAB_GRAPH_VERSION") ?? graph.version,
                messagesPerSecond: number(sendRate, "TALAB_SEND_RATE", graph.messagesPerSecond)
                    ?? graph.messagesPerSecond
            )
            settings.poolSize = number(poolSize, "TALAB_POOL_SIZE", settings.poolSize) ?? settings.poolSize
            settings.inboxWorkers =
                number(inboxWorkers, "TALAB_INBOX_WORKERS", settings.inboxWorkers) ?? settings.inboxWorkers
            guard let idle = number(cartIdleMinutes, "TALAB_CART_IDLE_MINUTES", settings.conversationIdle / 60),
                idle > 0
            else { throw ValidationError("TALAB_CART_IDLE_MINUTES is not a positive number of minutes") }
            settings.conversationIdle = idle * 60
            guard let batch = number(inboxBatch, "TALAB_INBOX_BATCH", settings.inboxBatch), batch > 0 else {
                throw ValidationError("TALAB_INBOX_BATCH is not a positive number")
            }
            settings.inboxBatch = batch
            func positive(_ flag: Int?, _ name: String, _ fallback: Int) throws -> Int {
                guard let value = number(flag, name, fallback), value > 0 else {
                    throw ValidationError("\(name) is not a positive number")
                }
                return value
            }
            let limits = settings.connections
            settings.connections = .init(
                maxConnections: try positive(maxConnections, "TALAB_MAX_CONNECTIONS", limits.maxConnections),
                headerTimeout: .seconds(Int64(try positive(headerTimeout, "TALAB_HEADER_TIMEOUT", 10))),
                bodyTimeout: .seconds(Int64(try positive(bodyTimeout, "TALAB_BODY_TIMEOUT", 30))),
                idleTimeout: .seconds(Int64(try positive(idleTimeout, "TALAB_IDLE_TIMEOUT", 60)))
            )
            settings.bodyBudget =
                try positive(bodyBudgetMB, "TALAB_BODY_BUDGET_MB", settings.bodyBudget >> 20) << 20
            settings.objects = objects.store()
            var logger = Logger(label: "talab")
            let level = setting(logLevel, "TALAB_LOG_LEVEL") ?? "info"
            guard let parsed = Logger.Level(rawValue: level) else {
                throw ValidationError("log level '\(level)' is not one of trace, debug, info, notice, warning, error")
            }
            logger.logLevel = parsed
            let answering: (any ConversationHandler)?
            switch setting(handler, "TALAB_HANDLER") ?? "engine" {
            case "engine": answering = nil
            case "acknowledge": answering = AcknowledgingHandler()
            case let other: throw ValidationError("handler '\(other)' is not engine or acknowledge")
            }
            guard let drain = number(drainSeconds, "TALAB_DRAIN_SECONDS", 8.0), drain > 0 else {
                throw ValidationError("TALAB_DRAIN_SECONDS is not a positive number of seconds")
            }
            return (
                try await Server.application(
                    settings,
                    sealer: try SecretSealer.fromEnvironmentIfSet(),
                    handler: answering,
                    logger: logger
                ), ShutdownDeadline(seconds: drain, logger: logger), logger
            )
        }
        // The deadline is signalled first (a group stops its services last to first) and starts its
        // clock at once; then the server drains.
        let group = ServiceGroup(
            configuration: .init(
                services: [app.0, app.1],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: app.2
            )
        )
        try await group.run()
    }
}
