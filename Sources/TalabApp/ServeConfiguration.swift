public import Logging
import TalabDashboard
public import TalabStore
public import TalabWhatsApp

/// Everything `talab serve` runs with, merged from its flags and the environment: a flag wins over
/// its variable, an empty variable counts as unset, and the defaults of `Server.Settings` fill the
/// rest. A value that is not what its setting takes is refused by the variable's name.
public struct ServeConfiguration: Sendable {
    public var settings: Server.Settings
    public var logLevel: Logger.Level
    /// Lines of text for a person, or one JSON object a line for a collector (`TALAB_LOG_FORMAT`).
    public var logFormat: LogFormat

    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }
    /// Who answers messages: the conversation engine, or one line of acknowledgement.
    public var handler: Handler
    /// Seconds SIGTERM may take before the process exits regardless.
    public var drainSeconds: Double

    public enum Handler: String, Sendable, CaseIterable {
        case engine, acknowledge
    }

    /// What the command line gave; nil where it gave nothing.
    public struct Flags: Sendable {
        public var host: String?
        public var port: Int?
        public var graphURL: String?
        public var graphVersion: String?
        public var sendRate: Double?
        public var inboxWorkers: Int?
        public var logLevel: String?
        public var poolSize: Int?
        public var handler: String?
        public var cartIdleMinutes: Double?
        public var inboxBatch: Int?
        public var maxConnections: Int?
        public var headerTimeout: Int?
        public var bodyTimeout: Int?
        public var idleTimeout: Int?
        public var bodyBudgetMB: Int?
        public var drainSeconds: Double?
        public var archiveEveryMinutes: Double?
        public var archiveAfterHours: Double?
        public var rollupEveryMinutes: Double?

        public init() {}
    }

    /// A setting that cannot be used, named as the operator set it.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Merges `flags` over `environment`; the secrets come from the environment only.
    public init(
        flags: Flags,
        environment: [String: String],
        databaseURL: DatabaseURL
    ) throws(Invalid) {
        func setting(_ flag: String?, _ name: String) -> String? {
            flag ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        /// The flag, else the variable read as a value (nil when it is not one), else the fallback.
        func value<Value: LosslessStringConvertible>(_ flag: Value?, _ name: String, _ fallback: Value) -> Value? {
            if let flag { return flag }
            return setting(nil, name).map { Value($0) } ?? fallback
        }
        func positive<Value: LosslessStringConvertible & Comparable & Numeric>(
            _ flag: Value?,
            _ name: String,
            _ fallback: Value,
            what: String = "number"
        ) throws(Invalid) -> Value {
            guard let number = value(flag, name, fallback), number > 0 else {
                throw Invalid(description: "\(name) is not a positive \(what)")
            }
            return number
        }
        func secret(_ name: String) throws(Invalid) -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw Invalid(description: "\(name) is not set: talab serve reads it from the environment only")
            }
            return value
        }
        var settings = Server.Settings(
            databaseURL: databaseURL,
            appSecret: try secret("TALAB_WHATSAPP_APP_SECRET"),
            verifyToken: try secret("TALAB_WHATSAPP_VERIFY_TOKEN")
        )
        settings.host = setting(flags.host, "TALAB_HOST") ?? settings.host
        guard let port = value(flags.port, "TALAB_PORT", settings.port), (0...65_535).contains(port) else {
            throw Invalid(description: "TALAB_PORT is not a port number")
        }
        settings.port = port
        let graph = GraphSettings()
        settings.graph = GraphSettings(
            baseURL: setting(flags.graphURL, "TALAB_GRAPH_URL") ?? graph.baseURL,
            version: setting(flags.graphVersion, "TALAB_GRAPH_VERSION") ?? graph.version,
            messagesPerSecond: try positive(flags.sendRate, "TALAB_SEND_RATE", graph.messagesPerSecond)
        )
        settings.poolSize = try positive(flags.poolSize, "TALAB_POOL_SIZE", settings.poolSize)
        guard let workers = value(flags.inboxWorkers, "TALAB_INBOX_WORKERS", settings.inboxWorkers), workers >= 0
        else { throw Invalid(description: "TALAB_INBOX_WORKERS is not a number of workers (0 or more)") }
        settings.inboxWorkers = workers
        settings.conversationIdle =
            try positive(
                flags.cartIdleMinutes,
                "TALAB_CART_IDLE_MINUTES",
                settings.conversationIdle / 60,
                what: "number of minutes"
            ) * 60
        settings.inboxBatch = try positive(flags.inboxBatch, "TALAB_INBOX_BATCH", settings.inboxBatch)
        let limits = settings.connections
        settings.connections = .init(
            maxConnections: try positive(flags.maxConnections, "TALAB_MAX_CONNECTIONS", limits.maxConnections),
            headerTimeout: .seconds(Int64(try positive(flags.headerTimeout, "TALAB_HEADER_TIMEOUT", 10))),
            bodyTimeout: .seconds(Int64(try positive(flags.bodyTimeout, "TALAB_BODY_TIMEOUT", 30))),
            idleTimeout: .seconds(Int64(try positive(flags.idleTimeout, "TALAB_IDLE_TIMEOUT", 60)))
        )
        settings.bodyBudget =
            try positive(flags.bodyBudgetMB, "TALAB_BODY_BUDGET_MB", settings.bodyBudget >> 20) << 20
        guard let every = value(flags.archiveEveryMinutes, "TALAB_ARCHIVE_EVERY_MINUTES", 5.0), every >= 0 else {
            throw Invalid(description: "TALAB_ARCHIVE_EVERY_MINUTES is not a number of minutes (0: never)")
        }
        settings.archiveEvery = every == 0 ? nil : .milliseconds(Int64(every * 60_000))
        settings.archiveAfter =
            try positive(flags.archiveAfterHours, "TALAB_ARCHIVE_AFTER_HOURS", 24.0, what: "number of hours") * 3600
        guard let rollup = value(flags.rollupEveryMinutes, "TALAB_ROLLUP_EVERY_MINUTES", 60.0), rollup >= 0 else {
            throw Invalid(description: "TALAB_ROLLUP_EVERY_MINUTES is not a number of minutes (0: never)")
        }
        settings.rollupEvery = rollup == 0 ? nil : .milliseconds(Int64(rollup * 60_000))
        do {
            settings.history = try HistorySettings(environment: environment)
            settings.messageLogDays = try HistorySettings.messageRetentionDays(environment)
        } catch {
            throw Invalid(description: error.description)
        }
        do {
            settings.languageModel = try LanguageModelSettings.fromEnvironment(environment)
        } catch {
            throw Invalid(description: error.description)
        }
        // The dashboard when its signing key is set (environment only, like the other secrets).
        if let jwtSecret = environment["TALAB_JWT_SECRET"], !jwtSecret.isEmpty {
            guard jwtSecret.utf8.count >= 32 else {
                throw Invalid(description: "TALAB_JWT_SECRET needs at least 32 characters")
            }
            settings.dashboard = Dashboard.Settings(jwtSecret: jwtSecret)
        }
        self.settings = settings
        let level = setting(flags.logLevel, "TALAB_LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw Invalid(
                description: "log level '\(level)' is not one of trace, debug, info, notice, warning, error, critical"
            )
        }
        logLevel = parsed
        let format = setting(nil, "TALAB_LOG_FORMAT") ?? LogFormat.text.rawValue
        guard let logFormat = LogFormat(rawValue: format) else {
            throw Invalid(description: "TALAB_LOG_FORMAT is text or json, not '\(format)'")
        }
        self.logFormat = logFormat
        let named = setting(flags.handler, "TALAB_HANDLER") ?? Handler.engine.rawValue
        guard let handler = Handler(rawValue: named) else {
            throw Invalid(description: "handler '\(named)' is not engine or acknowledge")
        }
        self.handler = handler
        drainSeconds = try positive(flags.drainSeconds, "TALAB_DRAIN_SECONDS", 8.0, what: "number of seconds")
    }
}
