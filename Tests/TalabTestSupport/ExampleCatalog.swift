public import Foundation
import TalabConfig
public import TalabCore
public import TalabReconciler
public import TalabStore

/// Secrets a test hands the reconciler instead of the environment.
public struct StaticSecrets: SecretSource {
    public var values: [String: String]

    public init(values: [String: String]) { self.values = values }

    public func value(of reference: SecretReference) -> String? {
        switch reference {
        case .environment(let name): return values[name]
        }
    }
}

/// The project's example tenants (`Tenants/`), applied to a database of a test's own.
public enum ExampleCatalog {
    /// The access token of each example number, as the test's environment would hold it.
    public static let tokens = [
        "ABU_SALIM_WA_TOKEN": "EAAG-abu-salim-test-token", "ABU_SALIM_HAMRA_WA_TOKEN": "EAAG-hamra-test-token",
        "PADEL_FIVE_WA_TOKEN": "EAAG-padel-test-token", "SALON_RIMA_WA_TOKEN": "EAAG-salon-test-token",
    ]
    /// Abu Salim's own number (two branches), Hamra's number, Padel Beirut's and Salon Rima's.
    public static let abuSalimNumber = "106540352242922"
    public static let hamraNumber = "106540352242999"
    public static let padelNumber = "106540352243100"
    public static let salonNumber = "106540352243200"

    /// The source tree: three folders above this file (`Tests/TalabTestSupport/`).
    public static var projectFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Applies a copy of the project's `Tenants/` (uncommitted edits included), changed by `edit` if given.
    public static func apply(
        to url: DatabaseURL,
        sealer: SecretSealer,
        edit: (TestRepository) throws -> Void = { _ in }
    ) async throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try FileManager.default.copyItem(
            at: projectFolder.appendingPathComponent("Tenants"),
            to: repository.folder.appendingPathComponent("Tenants")
        )
        try edit(repository)
        try repository.commit("Example tenants")
        let source = try GitCommitSource(repository: GitRepository(discoveringFrom: repository.path), revision: "HEAD")
        let validation = try TenantLoader().load(from: source)
        guard validation.isValid else { throw TestSetupError("the example tenants are invalid: \(validation.errors)") }
        let pool = PostgresPool(url: url, maxConnections: 1)
        defer { pool.close() }
        let objects = LocalObjectStore(
            directory: FileManager.default.temporaryDirectory.appendingPathComponent("talab-test-objects-\(getpid())")
        )
        _ = try await Reconciler(pool: pool, secrets: StaticSecrets(values: tokens), sealer: sealer, objects: objects)
            .apply(validation.tenants, commit: source.commit)
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
