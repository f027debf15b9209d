import Foundation
public import TalabCore

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
