import Crypto
import Foundation

/// Why a secret could not be sealed; never holds the key or a secret's value.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    /// A stable code, for programs: its text (`missing_master_key`) is what messages carry.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        public static let invalidMasterKey = Code(value: "invalid_master_key")
        public static let missingMasterKey = Code(value: "missing_master_key")
        public static let sealFailed = Code(value: "seal_failed")
    }

    public let code: Code
    public let message: String

    public var description: String { message }
}

/// Encrypts secrets for the database with AES-256-GCM under the platform's master key.
///
/// A sealed value is `v1:` and the base64 of nonce, ciphertext and tag. The key comes from
/// `TALAB_MASTER_KEY` (base64 of 32 bytes); it never reaches the database, a log or an error.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey
    /// The key of `digest`, derived from the master key once (a plan digests every tenant's secrets).
    private let digestKey: SymmetricKey

    public init(base64Key: String) throws(SecretError) {
        guard let data = Data(base64Encoded: base64Key), data.count == 32 else {
            throw SecretError(
                code: .invalidMasterKey,
                message: "TALAB_MASTER_KEY must be the base64 of 32 random bytes"
            )
        }
        key = SymmetricKey(data: data)
        digestKey = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("talab/secret-digest/v1".utf8), using: key)
        )
    }

    /// The sealer of `TALAB_MASTER_KEY` when it is set; nil when it is not.
    public static func fromEnvironmentIfSet() throws(SecretError) -> SecretSealer? {
        guard ProcessInfo.processInfo.environment["TALAB_MASTER_KEY"]?.isEmpty == false else { return nil }
        return try fromEnvironment()
    }

    /// The sealer of `TALAB_MASTER_KEY`; an error that says so when it is missing.
    public static func fromEnvironment() throws(SecretError) -> SecretSealer {
        guard let value = ProcessInfo.processInfo.environment["TALAB_MASTER_KEY"], !value.isEmpty else {
            throw SecretError(
                code: .missingMasterKey,
                message:
                    "TALAB_MASTER_KEY is not set: WhatsApp tokens are stored encrypted under it (base64 of 32 bytes)"
            )
        }
        return try SecretSealer(base64Key: value)
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else {
            throw SecretError(code: .sealFailed, message: "could not seal a secret")
        }
        return "v1:" + combined.base64EncodedString()
    }

    /// A keyed digest of secrets' values (by name), to notice a rotated secret without storing it:
    /// HMAC-SHA256 under a key derived from the master key, so it cannot be checked offline.
    public func digest(_ values: [String: String]) -> String {
        var message = Data()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            message.append(contentsOf: Array(name.utf8) + [0] + Array(value.utf8) + [0])
        }
        return "v1:" + Data(HMAC<SHA256>.authenticationCode(for: message, using: digestKey)).base64EncodedString()
    }

    /// The plaintext of a sealed value, or nil when it was sealed under another key or is not one.
    public func open(_ sealed: String) -> String? {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data), let plaintext = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plaintext, as: UTF8.self)
    }
}
