public import AsyncHTTPClient
import CMalloc
public import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
public import TalabCore
public import TalabDashboard
public import TalabHTTP
import TalabMetrics
public import TalabStore
public import TalabWhatsApp

/// The runtime server: the WhatsApp webhook, health checks, and the workers behind them.
public enum Server {
    /// Everything `talab serve` is configured with.
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var databaseURL: DatabaseURL
        /// `TALAB_WHATSAPP_APP_SECRET`: the key of `X-Hub-Signature-256`.
        public var appSecret: String
        /// `TALAB_WHATSAPP_VERIFY_TOKEN`: what Meta's handshake must present.
        public var verifyToken: String
        public var graph = GraphSettings()
        /// Workers claiming webhook bodies in this process; 0 makes a receive-only server (others process).
        public var inboxWorkers = 2
        /// Bodies a webhook worker processes in one transaction: more is fewer commits under load,
        /// fewer is a shorter wait for the first body of a batch.
        public var inboxBatch = 32
        public var poolSize = 8
        /// A conversation idle this long starts over with an empty cart.
        public var conversationIdle: TimeInterval = 2 * 60 * 60
        /// Connections at most, and how long a connection may take to send a request head, a body,
        /// and its next request.
        public var connections = ConnectionRegistry.Limits()
        /// Bytes of webhook bodies held at once; beyond, 503 with `Retry-After`.
        public var bodyBudget = 64 * 1024 * 1024
        /// The local object store whose images `/objects/` serves (none: not served).
        public var objects: LocalObjectStore?
        /// How often finished orders are archived (nil: never, in this process), and how long after
        /// they finished.
        public var archiveEvery: Duration? = .seconds(5 * 60)
        public var archiveAfter: TimeInterval = 24 * 60 * 60
        /// Where the history (archived orders) is written.
        public var history: HistorySettings = .postgres
        /// Days customers' messages are kept (`TALAB_MESSAGE_LOG_DAYS`); nil keeps them.
        public var messageLogDays: Int?
        /// How often each business's yesterday and today are rolled up (nil: never, in this process).
        public var rollupEvery: Duration? = .seconds(60 * 60)
        /// How often orders nobody accepted in their business's `auto_reject_minutes` are cancelled
        /// (nil: never).
        public var autoRejectEvery: Duration? = .seconds(20)
        /// The business dashboard under `/api/v1` (nil: not served; it needs `TALAB_JWT_SECRET`).
        public var dashboard: Dashboard.Settings?
        /// A language model behind the engine's rules (`TALAB_LLM_URL`…): nil, none.
        public var languageModel: LanguageModelSettings?

        public init(databaseURL: DatabaseURL, appSecret: String, verifyToken: String) {
            self.databaseURL = databaseURL
            self.appSecret = appSecret
            self.verifyToken = verifyToken
        }
    }

    /// The parts a running server is made of, for tests that drive a worker by hand.
    public struct Parts: Sendable {
        public let pool: PostgresPool
        public let connections: ConnectionRegistry
        public let bodyBudget: BodyBudget
        public let catalog: CatalogCache
        public let inbox: WebhookInbox
        public let processor: WebhookProcessor
        public let inboxBell: Doorbell
        public let outboundBell: Doorbell
        public let sender: OutboundSender
    }

    public static func parts(
        _ settings: Settings,
        sealer: SecretSealer?,
        handler: any ConversationHandler,
        http: HTTPClient = .shared,
        logger: Logger
    ) -> Parts {
        let pool = PostgresPool(url: settings.databaseURL, maxConnections: settings.poolSize)
        let catalog = CatalogCache(pool: pool)
        let outboundBell = Doorbell()
        let inboxBell = Doorbell()
        return Parts(
            pool: pool,
            connections: ConnectionRegistry(limits: settings.connections),
            bodyBudget: BodyBudget(capacity: settings.bodyBudget),
            catalog: catalog,
            inbox: WebhookInbox(pool: pool, stored: inboxBell),
            processor: WebhookProcessor(catalog: catalog, handler: handler, logger: logger),
            inboxBell: inboxBell,
            outboundBell: outboundBell,
            sender: OutboundSender(
                pool: pool,
                graph: GraphClient(settings: settings.graph, http: http, logger: logger),
                sealer: sealer,
                doorbell: outboundBell,
                logger: logger
            )
        )
    }

    static let latestMigration = PostgresStatement(
        "server.latest_migration",
        "SELECT coalesce(max(version), '') AS version FROM schema_migrations"
    )

    /// The routes: `/healthz`, `/readyz`, `/webhooks/whatsapp`, `/objects/`, the dashboard's
    /// `/api/v1/` when there is one; every error in JSON.
    public static func router(
        _ parts: Parts,
        settings: Settings,
        dashboard: Dashboard? = nil
    ) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        var routes: [String: [HTTPRequest.Method]] = [
            "/healthz": [.get, .head], "/readyz": [.get, .head], "/webhooks/whatsapp": [.get, .post],
            "/metrics": [.get],
        ]
        if settings.objects != nil { routes["/objects/"] = [.get, .head] }
        if dashboard != nil { routes.merge(Dashboard.routes) { first, _ in first } }
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(JSONErrorMiddleware(routes: routes))
        router.get("/healthz") { _, _ in HealthStatus(status: "ok") }
        router.head("/healthz") { _, _ in HTTPResponse.Status.ok }
        // Ready: PostgreSQL answers, every migration this build ships is applied, the catalog is loaded.
        let shipped = (try? Migration.shipped())?.last?.version ?? ""
        @Sendable func migrated() async -> Bool {
            let applied = try? await parts.pool.query(Server.latestMigration).first?.decode(String.self, "version")
            return (applied ?? "") >= shipped
        }
        router.head("/readyz") { _, _ -> HTTPResponse.Status in
            guard await parts.pool.answers(), parts.catalog.snapshot != nil else { return .serviceUnavailable }
            return await migrated() ? .ok : .serviceUnavailable
        }
        router.get("/readyz") { _, _ -> HealthStatus in
            guard await parts.pool.answers() else {
                throw APIError(.serviceUnavailable, code: .databaseUnreachable, message: "PostgreSQL does not answer")
            }
            guard await migrated() else {
                throw APIError(
                    .serviceUnavailable,
                    code: APIError.Code("migrations_pending"),
                    message: "the database lacks migrations this server needs (talab migrate)"
                )
            }
            guard let snapshot = parts.catalog.snapshot else {
                throw APIError(
                    .serviceUnavailable,
                    code: .catalogNotLoaded,
                    message: "the catalog is not loaded yet"
                )
            }
            return HealthStatus(status: "ready", businesses: snapshot.businesses.count)
        }
        // Prometheus's text format: counts and times only, never a business's or a customer's data.
        router.get("/metrics") { _, _ -> Response in
            if let (pending, oldest) = try? await parts.inbox.depth() {
                TalabMetrics.inboxPending.record(pending)
                TalabMetrics.inboxOldestSeconds.record(oldest)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: TalabMetrics.text()))
            )
        }
        WebhookController<AppRequestContext>(
            inbox: parts.inbox,
            appSecret: settings.appSecret,
            verifyToken: settings.verifyToken,
            budget: parts.bodyBudget
        ).add(to: router)
        if let objects = settings.objects { ObjectsController<AppRequestContext>(store: objects).add(to: router) }
        dashboard?.add(to: router)
        return router
    }

    /// The application with its workers, ready for `runService()`: SIGTERM drains and exits 0.
    public static func application(
        _ settings: Settings,
        sealer: SecretSealer?,
        handler: (any ConversationHandler)? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        // The conversation engine by default; its orders commit with the messages that place them.
        let parts = parts(
            settings,
            sealer: sealer,
            handler: handler
                ?? EngineHandler(
                    idleExpiry: settings.conversationIdle,
                    model: settings.languageModel.map { LanguageModelClient(settings: $0, logger: logger) }
                ),
            logger: logger
        )
        try await parts.catalog.refresh()
        returnFreedMemory()
        var dashboard: Dashboard?
        if let dashboardSettings = settings.dashboard {
            dashboard = try await Dashboard(
                pool: parts.pool,
                settings: dashboardSettings,
                sealer: sealer,
                history: settings.history.store(pool: parts.pool, messageRetentionDays: settings.messageLogDays)
            )
        }
        // A service group stops its services last to first: the pools close after everything else.
        var services: [any Service] = [
            PoolCloser(pool: parts.pool),
            NotificationRelay(
                url: settings.databaseURL,
                catalog: parts.catalog,
                inbox: parts.inboxBell,
                outbound: parts.outboundBell,
                logger: logger,
                orders: dashboard.map { dashboard -> @Sendable (String) -> Void in
                    let hub = dashboard.hub
                    return { payload in hub.publish(payload) }
                }
            ),
            parts.sender, MemoryTrimmer(),
        ]
        // PostgreSQL's history by default (the same database); DynamoDB's by configuration.
        let history = settings.history.store(pool: parts.pool, messageRetentionDays: settings.messageLogDays)
        if let every = settings.archiveEvery {
            let archiver = OrderArchiver(pool: parts.pool, store: history, olderThan: settings.archiveAfter)
            services.append(PeriodicJob.archiver(archiver, every: every, logger: logger))
        }
        // The message log and the audit trail, from their outbox to the history.
        services.append(
            LogRelayService(relay: LogRelay(pool: parts.pool, store: history), logger: logger)
        )
        if let days = settings.messageLogDays {
            services.append(
                PeriodicJob.retention(
                    MessageRetention(pool: parts.pool, days: days),
                    every: .seconds(3600),
                    logger: logger
                )
            )
        }
        if let every = settings.autoRejectEvery {
            services.append(PeriodicJob.autoReject(UnansweredOrders(pool: parts.pool), every: every, logger: logger))
        }
        if let every = settings.rollupEvery {
            let rollup = MetricsRollup(pool: parts.pool, history: history)
            services.append(PeriodicJob.rollup(rollup, every: every, logger: logger))
        }
        for _ in 0..<max(settings.inboxWorkers, 0) {
            services.append(
                InboxWorker(
                    inbox: parts.inbox,
                    processor: parts.processor,
                    doorbell: parts.inboxBell,
                    outbound: parts.outboundBell,
                    batch: settings.inboxBatch
                )
            )
        }
        return Application(
            router: router(parts, settings: settings, dashboard: dashboard),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [parts.connections.makeGuard()])
            ),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port),
                serverName: "talab",
                backlog: 4_096
            ),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger
        )
    }
}

struct HealthStatus: ResponseEncodable {
    let status: String
    var businesses: Int?
}

/// Closes the pool when the server shuts down, after the workers stopped.
struct PoolCloser: Service {
    let pool: PostgresPool

    func run() async throws {
        try? await gracefulShutdown()
        pool.close()
    }
}

extension Server {
    /// Large buffers (webhook bodies up to 3 MiB) are mapped and unmapped on their own instead of
    /// staying in malloc's arenas once freed: glibc raises its mapping threshold to the largest
    /// block freed, so after one large body every later one came from an arena that kept the
    /// memory (1.1 GB stayed after 300 bodies closed). A fixed threshold keeps that behaviour off.
    static func returnFreedMemory() {
        _ = mallopt(M_MMAP_THRESHOLD, 256 * 1024)
        _ = mallopt(M_TRIM_THRESHOLD, 1024 * 1024)
    }
}
