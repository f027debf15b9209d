import Crypto
public import Foundation

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for one region and service: the canonical request,
/// the string to sign, the derived key, and the headers that carry the signature. Checked against
/// AWS's published test vectors (SigV4Tests).
public struct SigV4: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A request to sign: its headers may already hold `host` (else it is taken from the URL).
    public struct Request: Sendable {
        public var method: String
        public var url: URL
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    /// The headers to add to the request: `x-amz-date`, the payload hash for S3, the session token
    /// when there is one, and `authorization`.
    public func headers(for request: Request, at date: Date) -> [(name: String, value: String)] {
        let stamp = SigV4.timestamp(date)
        let payloadHash = SigV4.hex(SHA256.hash(data: request.body))
        var added: [(name: String, value: String)] = [("x-amz-date", stamp)]
        if service == "s3" { added.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var signing = request
        signing.headers += added
        if !signing.headers.contains(where: { $0.name.lowercased() == "host" }) {
            signing.headers.append(("host", SigV4.host(request.url)))
        }
        let (canonical, signedHeaders) = canonicalRequest(signing, payloadHash: payloadHash)
        let scope = "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
        let toSign = SigV4.stringToSign(canonical, timestamp: stamp, scope: scope)
        let key = SigV4.signingKey(
            secret: credentials.secretAccessKey,
            date: String(stamp.prefix(8)),
            region: region,
            service: service
        )
        let signature = SigV4.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: key))
        added.append(
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            )
        )
        return added
    }

    /// The canonical request and its signed header names (`host;x-amz-date`).
    func canonicalRequest(_ request: Request, payloadHash: String) -> (String, String) {
        var headers: [String: [String]] = [:]
        for (name, value) in request.headers {
            // Values trimmed, inner runs of spaces made one.
            let folded = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            headers[name.lowercased(), default: []].append(folded.trimmingCharacters(in: .whitespaces))
        }
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? "/"
        let canonicalRequest = [
            request.method.uppercased(),
            canonicalPath(path.isEmpty ? "/" : path),
            SigV4.canonicalQuery(components?.percentEncodedQuery),
            canonicalHeaders,
            signed,
            payloadHash,
        ].joined(separator: "\n")
        return (canonicalRequest, signed)
    }

    /// Each segment decoded and encoded again by RFC 3986 (twice for services other than S3, as
    /// AWS asks), so a path is signed as AWS reads it.
    func canonicalPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            let once = SigV4.encode(segment.removingPercentEncoding ?? String(segment))
            return service == "s3" ? once : SigV4.encode(once)
        }.joined(separator: "/")
    }

    /// Parameters sorted by name then value, each encoded by RFC 3986.
    static func canonicalQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            return (encode(decoded(parts[0])), parts.count > 1 ? encode(decoded(parts[1])) : "")
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    static func stringToSign(_ canonicalRequest: String, timestamp: String, scope: String) -> String {
        "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n" + hex(SHA256.hash(data: Data(canonicalRequest.utf8)))
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// RFC 3986: everything but letters, digits and `-._~` as %XX of its UTF-8 bytes.
    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    static func host(_ url: URL) -> String {
        guard let host = url.host else { return "" }
        if let port = url.port, !(url.scheme == "https" && port == 443), !(url.scheme == "http" && port == 80) {
            return "\(host):\(port)"
        }
        return host
    }

    /// `20150830T123600Z`.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            parts.year!,
            parts.month!,
            parts.day!,
            parts.hour!,
            parts.minute!,
            parts.second!
        )
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
