import Crypto
public import Foundation

/// `X-Hub-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body under the app secret.
public struct WebhookSignature: Sendable {
    private let key: SymmetricKey

    public init(appSecret: String) {
        key = SymmetricKey(data: Data(appSecret.utf8))
    }

    /// Whether the header signs exactly these bytes; compared in constant time.
    public func isValid(_ header: String?, for body: some DataProtocol) -> Bool {
        guard let header, header.hasPrefix("sha256="), let digest = WebhookSignature.bytes(hex: header.dropFirst(7))
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: body, using: key)
    }

    /// The header a sender would put on these bytes (for tests and `talab chat`).
    public func header(for body: some DataProtocol) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}
