import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TalabApp
import TalabDashboard
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
    @Option(
        help: ArgumentHelp(
            "Minutes between rounds of archiving finished orders; 0 never ($TALAB_ARCHIVE_EVERY_MINUTES, default 5).",
            valueName: "minutes"
        )
    )
    var archiveEveryMinutes: Double?
    @Option(
        help: ArgumentHelp(
            "Hours after it finished an order is archived ($TALAB_ARCHIVE_AFTER_HOURS, default 24).",
            valueName: "hours"
        )
    )
    var archiveAfterHours: Double?
    @Option(
        help: ArgumentHelp(
            "Minutes between rollups of each business's yesterday and today; 0 never ($TALAB_ROLLUP_EVERY_MINUTES, default 60).",
            valueName: "minutes"
        )
    )
    var rollupEveryMinutes: Double?
    @OptionGroup var objects: ObjectStoreOptions

    /// The flags as given, for `ServeConfiguration` to merge over the environment.
    var flags: ServeConfiguration.Flags {
        var flags = ServeConfiguration.Flags()
        flags.host = host
        flags.port = port
        flags.graphURL = graphURL
        flags.graphVersion = graphVersion
        flags.sendRate = sendRate
        flags.inboxWorkers = inboxWorkers
        flags.logLevel = logLevel
        flags.poolSize = poolSize
        flags.handler = handler
        flags.cartIdleMinutes = cartIdleMinutes
        flags.inboxBatch = inboxBatch
        flags.maxConnections = maxConnections
        flags.headerTimeout = headerTimeout
        flags.bodyTimeout = bodyTimeout
        flags.idleTimeout = idleTimeout
        flags.bodyBudgetMB = bodyBudgetMB
        flags.drainSeconds = drainSeconds
        flags.archiveEveryMinutes = archiveEveryMinutes
        flags.archiveAfterHours = archiveAfterHours
        flags.rollupEveryMinutes = rollupEveryMinutes
        return flags
    }

    func run() async throws {
        let app = try await reportingFailure { () async throws -> (any Service, ShutdownDeadline, Logger) in
            var configuration = try ServeConfiguration(
                flags: flags,
                environment: ProcessInfo.processInfo.environment,
                databaseURL: try database.resolve()
            )
            // Images are served from /objects/ when they are kept locally; from S3 (or its CDN) otherwise.
            configuration.settings.objects = try objects.settings().local
            // Catalog changes made in the dashboard are committed to this clone and applied.
            if let repository = ProcessInfo.processInfo.environment["TALAB_TENANT_REPO"], !repository.isEmpty {
                configuration.settings.dashboard?.catalog = Dashboard.CatalogSettings(
                    repository: repository,
                    objects: try objects.store()
                )
            }
            if configuration.logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
            var logger = Logger(label: "talab")
            logger.logLevel = configuration.logLevel
            let answering: (any ConversationHandler)? =
                switch configuration.handler {
                case .engine: nil
                case .acknowledge: AcknowledgingHandler()
                }
            return (
                try await Server.application(
                    configuration.settings,
                    sealer: try SecretSealer.fromEnvironmentIfSet(),
                    handler: answering,
                    logger: logger
                ), ShutdownDeadline(seconds: configuration.drainSeconds, logger: logger), logger
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
