import Foundation
import TalabDashboard
import TalabStore
import TalabTestSupport

/// The example tenants in a repository of their own, as a business keeps them: an upstream (bare,
/// as a hosting service holds it) and the server's working clone of it (`TALAB_TENANT_REPO`).
struct TenantRepositories {
    let origin: TestRepository
    let upstream: URL
    let clone: TestRepository
    let objects: URL

    init() throws {
        origin = try TestRepository()
        try FileManager.default.copyItem(
            at: ExampleCatalog.projectFolder.appendingPathComponent("Tenants"),
            to: origin.folder.appendingPathComponent("Tenants")
        )
        try origin.commit("Example tenants")
        upstream = try origin.bareClone()
        clone = try TestRepository.clone(upstream)
        objects = FileManager.default.temporaryDirectory.appendingPathComponent("talab-objects-\(UUID())")
    }

    /// What the dashboard commits catalog changes with.
    var settings: Dashboard.CatalogSettings {
        Dashboard.CatalogSettings(
            repository: clone.path,
            secrets: StaticSecrets(values: ExampleCatalog.tokens),
            objects: LocalObjectStore(directory: objects)
        )
    }

    func delete() {
        origin.delete()
        clone.delete()
        try? FileManager.default.removeItem(at: upstream)
        try? FileManager.default.removeItem(at: objects)
    }
}
