import Foundation
import TalabAWS
import TalabConfig
import TalabReconciler
import TalabStore
import TalabTestSupport
import Testing

/// Images in S3 (moto's, on loopback): stored once by content, served from the bucket, and
/// `talab apply` copying only what is not there yet, as it does locally.
@Suite(.enabled(if: MotoServer.available, "moto_server is not installed (make test installs it)"))
struct S3ObjectStoreTests {
    static func store(
        _ server: MotoServer = .shared,
        secret: String = MotoServer.credentials.secret,
        create: Bool = true
    )
        async throws -> S3ObjectStore
    {
        var settings = S3ObjectStore.Settings(
            bucket: "talab-\(UUID().uuidString.prefix(8).lowercased())",
            prefix: "tenants/images-test/",
            region: "eu-south-1",
            credentials: AWSCredentials(accessKeyID: MotoServer.credentials.id, secretAccessKey: secret)
        )
        settings.endpoint = try await server.endpoint()
        let store = S3ObjectStore(settings: settings)
        if create { try await store.createBucket() }
        return store
    }

    @Test func anObjectIsStoredOnceAndServedFromTheBucketAsItWasPut() async throws {
        let store = try await S3ObjectStoreTests.store()
        let key = "images/3b18e512dba79e4c8300dd08aeb37f8e728b8dad.png"
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<2000).map { UInt8($0 % 251) }
        #expect(try await store.contains(key) == false)
        try await store.put(key, png, contentType: "image/png")
        #expect(try await store.contains(key))
        let url = store.url(of: key)
        #expect(url.hasSuffix("/\(store.settings.bucket)/tenants/images-test/\(key)"), "\(url)")
        let stored = try #require(try await store.object(key))
        #expect(stored.bytes == png && stored.contentType == "image/png")
        #expect(try await store.object("images/none.png") == nil)
        var published = store.settings
        published.publicURL = "https://cdn.example.com/talab"
        #expect(S3ObjectStore(settings: published).url(of: key) == "https://cdn.example.com/talab/\(key)")
        await #expect(throws: ObjectStoreError.self) { try await store.put("../escape", png, contentType: "image/png") }
    }

    @Test func aMissingBucketAndRefusedCredentialsAreOneClearLine() async throws {
        let missing = try await S3ObjectStoreTests.store(create: false)
        let error = await #expect(throws: ObjectStoreError.self) {
            try await missing.put("images/a.png", [1, 2, 3], contentType: "image/png")
        }
        #expect(error?.code == .missingBucket && error?.message == "S3 has no bucket \(missing.settings.bucket)")
        let secret = "s3-secret-not-to-show"
        let refused = try await S3ObjectStoreTests.store(.strict, secret: secret, create: false)
        let denied = await #expect(throws: ObjectStoreError.self) {
            try await refused.put("images/a.png", [1, 2, 3], contentType: "image/png")
        }
        #expect(denied?.code == .badCredentials, "\(String(describing: denied))")
        #expect(denied.map { !$0.message.contains(secret) && !$0.message.contains("\n") } == true)
    }

    @Test func applyCopiesEachImageToS3OnceByItsContent() async throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try FileManager.default.copyItem(
            at: ExampleCatalog.projectFolder.appendingPathComponent("Tenants"),
            to: repository.folder.appendingPathComponent("Tenants")
        )
        try repository.commit("The example tenants")
        let store = try await S3ObjectStoreTests.store()
        let pool = PostgresPool(url: try await TestCluster.shared.migratedDatabase(), maxConnections: 2)
        defer { pool.close() }
        let reconciler = Reconciler(
            pool: pool,
            secrets: StaticSecrets(values: [
                "ABU_SALIM_WA_TOKEN": "t1", "ABU_SALIM_HAMRA_WA_TOKEN": "t2", "PADEL_FIVE_WA_TOKEN": "t3",
                "SALON_RIMA_WA_TOKEN": "t4",
            ]),
            sealer: CatalogDatabase.sealer,
            objects: store
        )
        func source() throws -> GitCommitSource {
            try GitCommitSource(repository: GitRepository(discoveringFrom: repository.path), revision: "HEAD")
        }
        let first = try await reconciler.apply(source())
        #expect(first.outcome?.imagesCopied == 3)
        let blob = try repository.git("rev-parse", "HEAD:Tenants/abu-salim-grill/images/shawarma.png")
        #expect(try await store.contains("images/\(blob).png"))
        let url = try await pool.query(
            PostgresStatement("test.s3_image", "SELECT item_image_url FROM items WHERE key = 'chicken-shawarma'")
        )[0].decode(String?.self, at: 0)
        #expect(url == store.url(of: "images/\(blob).png"))
        // Another commit that changes a price copies nothing.
        let menu = repository.folder.appendingPathComponent("Tenants/abu-salim-grill/menus/main.yaml")
        let text = try String(contentsOf: menu, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "    price: 3.50\n", with: "    price: 3.75\n").utf8).write(to: menu)
        try repository.commit("Dearer hummus")
        #expect(try await reconciler.apply(source()).outcome?.imagesCopied == 0)
    }
}
