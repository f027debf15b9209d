import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TalabApp
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// `/metrics` (issue #20): what an operator watches, in Prometheus's text format, moved by real
/// webhooks through the real server and PostgreSQL. The registry is the process's, shared by the
/// suites running beside this one, so counts are compared before and after.
@Suite struct MetricsTests {
    /// The value of a sample line (`name{labels} value`), 0 when absent.
    static func value(_ text: String, _ sample: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1)) ?? 0
        }
        return 0
    }

    @Test func webhooksRejectionsTheInboxAndHandlingAreCounted() async throws {
        let fixture = try await ServerFixture.make(engine: true)
        defer { fixture.parts.pool.close() }
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            func scrape() async throws -> String {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return String(buffer: response.body)
            }
            let before = try await scrape()
            let body = ServerFixture.textPayload(
                to: ExampleCatalog.hamraNumber,
                id: "wamid.M1",
                text: "baddi 2 falafel"
            )
            let signed = try await WebhookHTTPTests.post(
                client,
                body,
                signature: ServerFixture.signature.header(for: body)
            )
            #expect(signed.status == .ok)
            let forged = try await WebhookHTTPTests.post(client, body, signature: "sha256=00")
            #expect(forged.status == .unauthorized)
            // Stored, not yet handled: the inbox holds it.
            let waiting = try await scrape()
            #expect(MetricsTests.value(waiting, "talab_inbox_pending") >= 1)
            try await fixture.drain()
            let snapshot = try await fixture.parts.catalog.refresh()
            let after = try await scrape()
            // Each snapshot read is counted, and what it routes is shown (another suite's refresh
            // may have set the gauges since: only their presence is certain).
            let refreshes = "talab_catalog_refreshes_total"
            #expect(MetricsTests.value(after, refreshes) - MetricsTests.value(before, refreshes) >= 1)
            #expect(snapshot.numbers >= 1 && after.contains("\ntalab_catalog_numbers "))
            #expect(after.contains("\ntalab_catalog_businesses "))
            let received = "talab_webhooks_received_total"
            #expect(MetricsTests.value(after, received) - MetricsTests.value(before, received) >= 1)
            let rejected = #"talab_webhooks_rejected_total{code="invalid_signature"}"#
            #expect(MetricsTests.value(after, rejected) - MetricsTests.value(before, rejected) >= 1)
            let handled = "talab_messages_handled_total"
            #expect(MetricsTests.value(after, handled) - MetricsTests.value(before, handled) >= 1)
            #expect(after.contains("# TYPE talab_inbox_batch_seconds histogram"))
            #expect(after.contains("talab_inbox_batch_seconds_bucket{le=\"0.005\"}"))
            #expect(after.contains("talab_inbox_oldest_pending_seconds"))
            // Counts and times only: no customer's number, no text.
            #expect(!after.contains("96170000123") && !after.contains("falafel"))
        }
    }

    /// `TALAB_LOG_FORMAT=json`: one JSON object a line with its metadata as fields; every response
    /// names its request's id, errors too.
    @Test func logsAreJSONLinesAndResponsesNameTheirRequest() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "talab.test.json") { label in
            JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .debug
        logger.warning("webhook refused", metadata: ["code": "busy", "inbox_id": "42"])
        let line = try #require(lines.withLock { $0.first })
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning" && object["message"] as? String == "webhook refused")
        #expect(object["code"] as? String == "busy" && object["inbox_id"] as? String == "42")
        #expect(object["label"] as? String == "talab.test.json" && (object["ts"] as? String)?.hasSuffix("Z") == true)

        let fixture = try await ServerFixture.make()
        defer { fixture.parts.pool.close() }
        try await WebhookHTTPTests.application(fixture).test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            let first = try #require(health.headers[.requestID])
            #expect(!first.isEmpty && missing.headers[.requestID] != nil && missing.headers[.requestID] != first)
            #expect(missing.status == .notFound && WebhookHTTPTests.errorCode(missing) == "not_found")
        }
        let error = #expect(throws: ServeConfiguration.Invalid.self) {
            try ServeConfigurationTests.configuration(.init(), ["TALAB_LOG_FORMAT": "xml"])
        }
        #expect(error?.description == "TALAB_LOG_FORMAT is text or json, not 'xml'")
    }
}
