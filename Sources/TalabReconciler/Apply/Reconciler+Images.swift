import Foundation
import TalabConfig
public import TalabCore
import TalabStore

/// The images tenants name: their URLs in the object store, and copying the ones a plan needs.
extension Reconciler {
    /// An image's key in the object store: its git blob id, so equal content is one object.
    public static func imageKey(_ image: TenantImage) -> String {
        "images/\(image.blobID)" + (image.fileExtension.map { ".\($0)" } ?? "")
    }

    /// The URL of each image a tenant names, by path.
    func imageURLs(_ tenant: TenantConfig) throws(ReconcileError) -> [String: String] {
        guard !tenant.images.isEmpty else { return [:] }
        guard let objects else {
            throw ReconcileError(
                code: .missingObjectStore,
                message: "\(tenant.slug) names images, and no object store is set to copy them to"
            )
        }
        return tenant.images.mapValues { objects.url(of: Reconciler.imageKey($0)) }
    }

    /// Copies the images that the plan's rows point at and the store lacks; returns how many it copied.
    func storeImages(_ plan: Plan, _ tenants: [TenantConfig]) async throws -> Int {
        guard let objects else { return 0 }
        var wanted: [String: TenantImage] = [:]
        for tenant in tenants {
            for image in tenant.images.values { wanted[objects.url(of: Reconciler.imageKey(image))] = image }
        }
        var urls: Set<String> = []
        for change in plan.changes where change.action != .delete {
            for column in ["menu_image_url", "item_image_url"] {
                if case .text(let url) = change.row[column] { urls.insert(url) }
            }
        }
        var copied = 0
        for url in urls.sorted() {
            guard let image = wanted[url] else { continue }
            let key = Reconciler.imageKey(image)
            if try await objects.contains(key) { continue }
            try await objects.put(key, image.bytes, contentType: image.contentType)
            copied += 1
        }
        return copied
    }
}
