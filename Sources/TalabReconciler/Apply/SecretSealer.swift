import Crypto
import Foundation
import TalabCore

/// Where the reconciler finds the secrets that tenant files only name (`{ env: NAME }`).
public protocol SecretSource: Sendable {
    func value(of reference: SecretReference) -> String?
}

/// Secrets from the environment of the process that applies the configuration.
public struct EnvironmentSecrets: SecretSource {
    public init() {}

    public func value(of reference: SecretReference) -> String? {
        switch reference {
        case .environment(let name): return ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
    }
}

/// Encrypts secrets for the database with AES-256-GCM under the platform's master key.
///
/// A sealed value is `v1:` and the base64 of nonce, ciphertext and tag. The key comes from
/// `TALAB_MASTER_KEY` (base64 of 32 bytes); it never reaches the database, a log or an error.
public struct SecretSealer: Sendable {
    private let key: SymmetricKey

    public init(base64Key: String) throws(ReconcileError) {
        guard let data = Data(base64Encoded: base64Key), data.count == 32 else {
            throw ReconcileError(
                code: .invalidMasterKey,
                message: "TALAB_MASTER_KEY must be the base64 of 32 random bytes"
            )
        }
        key = SymmetricKey(data: data)
    }

    /// The sealer of `TALAB_MASTER_KEY` when it is set; nil when it is not.
    public static func fromEnvironmentIfSet() throws(ReconcileError) -> SecretSealer? {
        guard ProcessInfo.processInfo.environment["TALAB_MASTER_KEY"]?.isEmpty == false else { return nil }
        return try fromEnvironment()
    }

    /// The sealer of `TALAB_MASTER_KEY`; an error that says so when it is missing.
    public static func fromEnvironment() throws(ReconcileError) -> SecretSealer {
        guard let value = ProcessInfo.processInfo.environment["TALAB_MASTER_KEY"], !value.isEmpty else {
            throw ReconcileError(
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
            throw ReconcileError(code: .sealFailed, message: "could not seal a secret")
        }
        return "v1:" + combined.base64EncodedString()
    }

    /// A keyed digest of secrets' values (by name), to notice a rotated secret without storing it:
    /// HMAC-SHA256 under a key derived from the master key, so it cannot be checked offline.
    public func digest(_ values: [String: String]) -> String {
        let digestKey = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("talab/secret-digest/v1".utf8), using: key)
        )
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
