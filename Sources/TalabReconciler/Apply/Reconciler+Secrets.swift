import Foundation
import TalabConfig
import TalabCore
import TalabStore

/// The secrets tenants name: read from their source, sealed for the database, opened to compare.
extension Reconciler {
    /// The value of every secret the tenants name; all missing ones in one error, with where each is named.
    func resolveSecrets(_ tenants: [TenantConfig]) throws(ReconcileError) -> [SecretReference: String] {
        var values: [SecretReference: String] = [:]
        var missing: [String] = []
        for tenant in tenants {
            let owners = [(nil, tenant.business.whatsapp)] + tenant.branches.map { ($0.key, $0.whatsapp) }
            for case (let branch, let number?) in owners where values[number.accessToken] == nil {
                if let value = secrets.value(of: number.accessToken) {
                    values[number.accessToken] = value
                } else {
                    let named = tenant.sources[.whatsappToken(branch: branch)].map {
                        " (named at \($0.file):\($0.line))"
                    }
                    missing.append("\(number.accessToken)" + (named ?? ""))
                }
            }
        }
        guard missing.isEmpty else {
            throw ReconcileError(
                code: .missingSecret,
                message: "secrets are not set: " + missing.joined(separator: "; ")
            )
        }
        if !values.isEmpty && sealer == nil {
            // Says whether the key is missing or malformed, with the sealer's own code.
            do { _ = try SecretSealer.fromEnvironment() } catch {
                throw ReconcileError(code: .init(value: error.code.value), message: error.message)
            }
        }
        return values
    }

    /// Secrets read from the database become their plaintext, to compare with the configuration's.
    func unseal(_ rows: inout [UUID: ConfigRow]) {
        for (id, row) in rows where row.table.columns.contains(where: { $0.kind == .secret }) {
            var opened = row
            for column in row.table.columns where column.kind == .secret {
                guard case .text(let sealed) = row[column.name] else { continue }
                // Unreadable (another key): a value no configuration has, so the plan re-seals it.
                opened.values[column.name] = .secret(sealer?.open(sealed) ?? "\u{0}unreadable")
            }
            rows[id] = opened
        }
    }

    /// The rows as they are written: secrets sealed under the master key.
    func sealed(_ rows: [ConfigRow]) throws -> [ConfigRow] {
        try rows.map { row in
            var copy = row
            for column in row.table.columns where column.kind == .secret {
                guard case .secret(let plaintext) = row[column.name] else { continue }
                guard let sealer else {
                    throw ReconcileError(
                        code: .missingMasterKey,
                        message: "TALAB_MASTER_KEY is needed to store secrets"
                    )
                }
                copy.values[column.name] = .text(try sealer.seal(plaintext))
            }
            return copy
        }
    }

    /// Parents before children for creates and updates, children before parents for deletes.
}
