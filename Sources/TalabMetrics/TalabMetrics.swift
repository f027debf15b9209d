public import CoreMetrics
public import Prometheus

/// What an operator watches of `talab serve` (issue #20), through swift-metrics into one Prometheus
/// registry per process, served at `/metrics` in Prometheus's text format. Labels are a few fixed
/// words (an error's code, an outcome): never a business, a customer or a message.
public enum TalabMetrics {
    public static let registry = PrometheusCollectorRegistry()

    static let factory: PrometheusMetricsFactory = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return factory
    }()

    public static func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    public static func timer(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
    }

    public static func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    // MARK: The webhook

    /// Webhook bodies stored (answered 200).
    public static let webhooksReceived = counter("talab_webhooks_received_total")
    /// Webhook requests refused, by the error's code (`invalid_signature`, `payload_too_large`, `busy`).
    public static func webhookRejected(_ code: String) {
        counter("talab_webhooks_rejected_total", [("code", code)]).increment()
    }
    /// Bodies waiting in the inbox, and how long the oldest has waited (set when `/metrics` is read).
    public static let inboxPending = gauge("talab_inbox_pending")
    public static let inboxOldestSeconds = gauge("talab_inbox_oldest_pending_seconds")
    /// One leased batch of bodies handled: from the lease to the commit.
    public static let batchHandling = timer("talab_inbox_batch_seconds")
    /// Messages handled (a customer's message read, answered and logged).
    public static let messagesHandled = counter("talab_messages_handled_total")

    // MARK: Replies

    /// Cloud API calls by outcome: `sent`, `retried` (a 429 or 5xx tried again), `failed`.
    public static func graphCall(_ outcome: GraphOutcome) { graphCalls[outcome.rawValue]?.increment() }

    public enum GraphOutcome: String, CaseIterable, Sendable {
        case sent, retried, failed
    }

    /// Made once: a reply's path does no registry lookup.
    static let graphCalls = Dictionary(
        uniqueKeysWithValues: GraphOutcome.allCases.map {
            ($0.rawValue, counter("talab_graph_calls_total", [("outcome", $0.rawValue)]))
        }
    )

    // MARK: PostgreSQL

    /// Callers that found every pooled connection busy, how long they waited, and those that gave up.
    public static let poolWaits = counter("talab_pool_waits_total")
    public static let poolWait = timer("talab_pool_wait_seconds")
    public static let poolTimeouts = counter("talab_pool_timeouts_total")

    // MARK: The catalog

    /// Catalog snapshots read (at start, after an apply's NOTIFY, after a lost listener), and what
    /// the current one holds: how an operator sees that every server took an apply.
    public static let catalogRefreshes = counter("talab_catalog_refreshes_total")
    public static let catalogBusinesses = gauge("talab_catalog_businesses")
    public static let catalogNumbers = gauge("talab_catalog_numbers")

    // MARK: History

    public static let ordersArchived = counter("talab_orders_archived_total")

    // MARK: Language model

    /// Calls to the language model by outcome (`proposed`, or the failure's code), and their time.
    public static func modelCall(_ outcome: String, milliseconds: Int) {
        counter("talab_llm_calls_total", [("outcome", outcome)]).increment()
        timer("talab_llm_call_seconds").recordMilliseconds(milliseconds)
    }

    /// Everything, in Prometheus's text format.
    public static func text() -> String { registry.emitToString() }
}

extension CoreMetrics.Timer {
    /// Records the time since `start`.
    public func record(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
