public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import TalabMetrics

/// Where and how fast the Cloud API is called.
public struct GraphSettings: Sendable {
    /// `https://graph.facebook.com`, or a fake's address in tests and `talab dev`.
    public var baseURL: String
    /// The Graph API version in the path: `v23.0`.
    public var version: String
    /// Messages per second per business phone number (Meta's default throughput is 80).
    public var messagesPerSecond: Double
    /// Tries per message for retryable failures (429, 5xx, 130429), with exponential backoff.
    public var attempts: Int
    /// The first retry's delay; each next one doubles, with jitter.
    public var backoff: Duration
    public var timeout: Duration

    public init(
        baseURL: String = "https://graph.facebook.com",
        version: String = "v23.0",
        messagesPerSecond: Double = 80,
        attempts: Int = 5,
        backoff: Duration = .milliseconds(500),
        timeout: Duration = .seconds(10)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.version = version
        self.messagesPerSecond = messagesPerSecond
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
    }
}

/// A failed Cloud API call: Meta's error code when it gave one, and whether trying again can help.
public struct GraphError: Error, Sendable, CustomStringConvertible {
    public let httpStatus: Int?
    public let code: Int?
    public let title: String
    public let retryable: Bool

    public var description: String {
        "Graph API error\(code.map { " \($0)" } ?? "")\(httpStatus.map { " (HTTP \($0))" } ?? ""): \(title)"
    }

    /// Codes Meta will refuse again: outside the 24-hour window, undeliverable, not delivered by
    /// choice, bad token. 130429 (throughput) is worth waiting for.
    static let retryableCodes: Set<Int> = [130429, 1, 2, 4, 80007, 131000]
    static let finalCodes: Set<Int> = [131047, 131026, 131049, 190]

    static func from(status: Int, body: [UInt8]) -> GraphError {
        struct Envelope: Decodable {
            struct Inner: Decodable {
                let code: Int?
                let message: String?
                let title: String?
            }
            let error: Inner?
        }
        let inner = (try? JSONDecoder().decode(Envelope.self, from: Data(body)))?.error
        let code = inner?.code
        let retryable: Bool
        if let code, finalCodes.contains(code) {
            retryable = false
        } else {
            retryable = status == 429 || status >= 500 || code.map(retryableCodes.contains) == true
        }
        return GraphError(
            httpStatus: status,
            code: code,
            title: inner?.title ?? inner?.message ?? "HTTP \(status)",
            retryable: retryable
        )
    }
}

/// The Cloud API's messages endpoint over AsyncHTTPClient: a per-number rate limit, retries with
/// backoff and jitter for what can pass later, none for what cannot. Tokens never reach a log.
public struct GraphClient: Sendable {
    public let settings: GraphSettings
    let http: HTTPClient
    let limiter: RateLimiter
    let logger: Logger

    public init(settings: GraphSettings, http: HTTPClient = .shared, logger: Logger) {
        self.settings = settings
        self.http = http
        self.limiter = RateLimiter(perSecond: settings.messagesPerSecond)
        self.logger = logger
    }

    /// A message Meta accepted: its id, which statuses will name.
    public struct Accepted: Sendable, Equatable {
        public let messageID: String?
    }

    /// Sends one request body as the business number, trying again while that can help.
    public func send(_ body: [UInt8], from phoneNumberID: String, token: String) async throws(GraphError) -> Accepted {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let accepted = try await sendOnce(body, from: phoneNumberID, token: token)
                TalabMetrics.graphCall(.sent)
                return accepted
            } catch {
                guard error.retryable, attempt < settings.attempts else {
                    TalabMetrics.graphCall(.failed)
                    throw error
                }
                TalabMetrics.graphCall(.retried)
                let delay = settings.backoff * (1 << (attempt - 1))
                let jitter = Double.random(in: 0.5...1.0)
                logger.info(
                    "Graph API call will be retried",
                    metadata: [
                        "code": "\(error.code ?? 0)", "status": "\(error.httpStatus ?? 0)", "attempt": "\(attempt)",
                    ]
                )
                try? await Task.sleep(for: delay * jitter)
            }
        }
    }

    func sendOnce(_ body: [UInt8], from phoneNumberID: String, token: String) async throws(GraphError) -> Accepted {
        await limiter.wait(for: phoneNumberID)
        var request = HTTPClientRequest(url: "\(settings.baseURL)/\(settings.version)/\(phoneNumberID)/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(settings.timeout.nanoseconds)))
            status = Int(response.status.code)
            bytes = Array((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
        } catch {
            // The connection failed or timed out: whether Meta got it is unknown; trying again is the lesser harm.
            throw GraphError(httpStatus: nil, code: nil, title: "network: \(type(of: error))", retryable: true)
        }
        guard (200..<300).contains(status) else { throw GraphError.from(status: status, body: bytes) }
        struct Response: Decodable {
            struct Message: Decodable { let id: String? }
            let messages: [Message]?
        }
        let parsed = try? JSONDecoder().decode(Response.self, from: Data(bytes))
        return Accepted(messageID: parsed?.messages?.first?.id)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
