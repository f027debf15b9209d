public import AsyncHTTPClient
public import Foundation
import NIOCore
public import TalabStore

/// The object store in S3 (images `talab apply` copies): PUT and HEAD signed with SigV4. Keys are
/// put under the bucket's `prefix`; objects are never changed once stored (the key names the content).
public struct S3ObjectStore: ObjectStore {
    public struct Settings: Sendable {
        public var bucket: String
        /// Inside the bucket, without a trailing `/` (empty: the bucket's root).
        public var prefix: String
        public var region: String
        public var credentials: AWSCredentials
        /// A local endpoint (moto, MinIO), addressed path-style; nil for AWS's own (virtual-hosted).
        public var endpoint: URL?
        /// Where clients fetch objects: a CDN in front of the bucket; nil for the bucket's own URL.
        public var publicURL: String?
        public var timeout: Duration = .seconds(30)

        public init(bucket: String, prefix: String = "", region: String, credentials: AWSCredentials) {
            self.bucket = bucket
            self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            self.region = region
            self.credentials = credentials
        }

        /// `s3://bucket/prefix`; nil when it is not one.
        public static func location(_ text: String) -> (bucket: String, prefix: String)? {
            guard text.hasPrefix("s3://") else { return nil }
            let rest = text.dropFirst(5)
            let bucket = rest.prefix { $0 != "/" }
            let valid =
                bucket.count >= 3 && bucket.count <= 63
                && bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
            guard valid else { return nil }
            return (
                String(bucket),
                String(rest.dropFirst(bucket.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            )
        }
    }

    public let settings: Settings
    let http: HTTPClient
    let signer: SigV4

    public init(settings: Settings, http: HTTPClient = .shared) {
        self.settings = settings
        self.http = http
        self.signer = SigV4(credentials: settings.credentials, region: settings.region, service: "s3")
    }

    /// The bucket's address, ending in `/`: path-style on a custom endpoint, else virtual-hosted.
    var bucketURL: String {
        guard let endpoint = settings.endpoint?.absoluteString else {
            return "https://\(settings.bucket).s3.\(settings.region).amazonaws.com/"
        }
        return (endpoint.hasSuffix("/") ? endpoint : endpoint + "/") + settings.bucket + "/"
    }

    /// The object's address at S3.
    func address(_ key: String) -> URL {
        let path = (settings.prefix.isEmpty ? key : "\(settings.prefix)/\(key)")
            .split(separator: "/").map { SigV4.encode(String($0)) }.joined(separator: "/")
        return URL(string: bucketURL + path)!
    }

    public func contains(_ key: String) async throws -> Bool {
        let (status, body) = try await send("HEAD", address(try checked(key)), body: [], headers: [])
        switch status {
        case 200: return true
        case 404: return false
        default: throw failure(status, body, key: key)
        }
    }

    public func put(_ key: String, _ bytes: [UInt8], contentType: String) async throws {
        let (status, body) = try await send(
            "PUT",
            address(try checked(key)),
            body: bytes,
            headers: [("content-type", contentType), ("cache-control", "public, max-age=31536000, immutable")]
        )
        guard (200..<300).contains(status) else { throw failure(status, body, key: key) }
    }

    /// The object's bytes and type, read with this store's credentials (the bucket need not be public).
    public func object(_ key: String) async throws -> (bytes: [UInt8], contentType: String?)? {
        let (status, body, type) = try await exchange("GET", address(try checked(key)), body: [], headers: [])
        switch status {
        case 200: return (body, type)
        case 404: return nil
        default: throw failure(status, String(decoding: body, as: UTF8.self), key: key)
        }
    }

    public func url(of key: String) -> String {
        if let base = settings.publicURL { return (base.hasSuffix("/") ? base : base + "/") + key }
        return address(key).absoluteString
    }

    /// Creates the bucket (for a local endpoint and tests); one that exists and is ours is fine.
    public func createBucket() async throws {
        let url = URL(string: bucketURL)!
        let configuration =
            settings.region == "us-east-1"
            ? ""
            : "<CreateBucketConfiguration><LocationConstraint>\(settings.region)</LocationConstraint></CreateBucketConfiguration>"
        let (status, body) = try await send("PUT", url, body: Array(configuration.utf8), headers: [])
        guard (200..<300).contains(status) || DynamoDB.element("Code", in: body) == "BucketAlreadyOwnedByYou" else {
            throw failure(status, body, key: "")
        }
    }

    func checked(_ key: String) throws -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, key.utf8.count <= 900, parts.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }) else {
            throw ObjectStoreError(.invalidKey, "not an object key: \(key)")
        }
        return key
    }

    func send(
        _ method: String,
        _ url: URL,
        body: [UInt8],
        headers: [(name: String, value: String)]
    ) async throws -> (Int, String) {
        let (status, answer, _) = try await exchange(method, url, body: body, headers: headers)
        return (status, String(decoding: answer, as: UTF8.self))
    }

    /// One signed request: the status, the body and its content type.
    func exchange(
        _ method: String,
        _ url: URL,
        body: [UInt8],
        headers: [(name: String, value: String)]
    ) async throws -> (Int, [UInt8], String?) {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        for (name, value) in signer.headers(
            for: SigV4.Request(method: method, url: url, headers: headers, body: body),
            at: Date()
        ) {
            request.headers.add(name: name, value: value)
        }
        if !body.isEmpty || method == "PUT" { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await http.execute(request, timeout: .init(settings.timeout))
            let answer = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return (
                Int(response.status.code), Array(answer.readableBytesView),
                response.headers.first(name: "content-type")
            )
        } catch {
            throw ObjectStoreError(.failed, "S3 at \(url.host ?? "?") does not answer (\(error))")
        }
    }

    /// S3's XML error as one line without a credential.
    func failure(_ status: Int, _ body: String, key: String) -> ObjectStoreError {
        let code = DynamoDB.element("Code", in: body) ?? "HTTP\(status)"
        let message = DynamoDB.element("Message", in: body) ?? "status \(status)"
        switch code {
        case "NoSuchBucket":
            return ObjectStoreError(.missingBucket, "S3 has no bucket \(settings.bucket)")
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken":
            return ObjectStoreError(
                .badCredentials,
                "S3 refused the credentials of \(settings.credentials): \(message)"
            )
        default:
            if status == 403 {
                return ObjectStoreError(.badCredentials, "S3 refused the credentials of \(settings.credentials)")
            }
            return ObjectStoreError(.failed, "S3 \(code) on \(key.isEmpty ? settings.bucket : key): \(message)")
        }
    }
}
