public import AsyncHTTPClient
public import Foundation
import NIOCore

/// DynamoDB's HTTP JSON API (`X-Amz-Target: DynamoDB_20120810.<Operation>`), signed with SigV4,
/// retrying throttling and server errors with exponential backoff and full jitter.
public struct DynamoDB: Sendable {
    public struct Settings: Sendable {
        /// `https://dynamodb.<region>.amazonaws.com`, or a local endpoint (moto, DynamoDB Local).
        public var endpoint: URL
        public var region: String
        public var credentials: AWSCredentials
        /// Tries of a call that is throttled or meets a server error.
        public var attempts = 6
        public var backoff: Duration = .milliseconds(50)
        public var timeout: Duration = .seconds(10)

        public init(endpoint: URL, region: String, credentials: AWSCredentials) {
            self.endpoint = endpoint
            self.region = region
            self.credentials = credentials
        }
    }

    public let settings: Settings
    let http: HTTPClient
    let signer: SigV4

    public init(settings: Settings, http: HTTPClient = .shared) {
        self.settings = settings
        self.http = http
        self.signer = SigV4(credentials: settings.credentials, region: settings.region, service: "dynamodb")
    }

    /// An error DynamoDB answered (its `__type` without the namespace), or a transport failure.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// `ConditionalCheckFailedException`, `ResourceNotFoundException`, …; `unreachable` when no
        /// answer came.
        public let type: String
        public let message: String
        public let status: Int?

        public var description: String { "\(type): \(message)" }

        var retryable: Bool {
            if type == "unreachable" { return true }
            if let status, status >= 500 { return true }
            return [
                "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                "InternalServerError", "ServiceUnavailable", "LimitExceededException",
            ].contains(type)
        }
    }

    /// Calls `operation` with a JSON body; the decoded JSON answer.
    func call(_ operation: String, _ body: [String: Any]) async throws(Failure) -> [String: Any] {
        let payload: Data
        do {
            payload = try JSONSerialization.data(withJSONObject: body)
        } catch {
            throw Failure(type: "InvalidRequest", message: "the request is not JSON: \(error)", status: nil)
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await once(operation, Array(payload))
            } catch  where error.retryable && attempt < settings.attempts {
                // Full jitter: a random wait up to the doubled backoff.
                let ceiling = settings.backoff * (1 << min(attempt - 1, 10))
                let millis = Int64(
                    ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
                )
                try? await Task.sleep(for: .milliseconds(Int64.random(in: 0...max(millis, 1))))
            }
        }
    }

    private func once(_ operation: String, _ payload: [UInt8]) async throws(Failure) -> [String: Any] {
        let target = "DynamoDB_20120810.\(operation)"
        var request = HTTPClientRequest(url: settings.endpoint.absoluteString)
        request.method = .POST
        let signed: [(name: String, value: String)] = [
            ("content-type", "application/x-amz-json-1.0"), ("x-amz-target", target),
        ]
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        let signature = signer.headers(
            for: SigV4.Request(method: "POST", url: settings.endpoint, headers: signed, body: payload),
            at: Date()
        )
        for (name, value) in signature { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload))
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .init(settings.timeout))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw Failure(
                type: "unreachable",
                message: "DynamoDB at \(settings.endpoint.absoluteString) does not answer (\(error))",
                status: nil
            )
        }
        let json =
            (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        guard (200..<300).contains(status) else {
            // DynamoDB answers JSON (`__type`, `message`); a front door in its way (moto's
            // authentication, a proxy) may answer AWS's XML error form instead.
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            let type =
                (json["__type"] as? String).map { String($0.split(separator: "#").last ?? "") }
                ?? DynamoDB.element("Code", in: text)
                ?? (status == 401 || status == 403 ? "AccessDeniedException" : "HTTP\(status)")
            let message =
                (json["message"] as? String) ?? (json["Message"] as? String) ?? DynamoDB.element("Message", in: text)
                ?? "status \(status)"
            throw Failure(type: type, message: message, status: status)
        }
        return json
    }
}

extension DynamoDB {
    /// The text of the first `<name>…</name>` in an XML error answer.
    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"),
            let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
