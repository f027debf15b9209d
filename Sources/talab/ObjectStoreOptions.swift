import ArgumentParser
import Foundation
import TalabApp
import TalabDev
import TalabReconciler
import TalabStore

/// Where `apply` copies the images tenants name, and the URL they are served under.
struct ObjectStoreOptions: ParsableArguments {
    @Option(
        name: .customLong("objects-dir"),
        help: ArgumentHelp(
            "The local object store for images (default: $TALAB_OBJECTS_DIR, then .talab/objects).",
            valueName: "path"
        )
    )
    var directory: String?
    @Option(
        name: .customLong("objects-url"),
        help: ArgumentHelp(
            "The URL images are served under (default: $TALAB_OBJECTS_URL, then /objects/ of talab serve).",
            valueName: "url"
        )
    )
    var baseURL: String?

    /// The configured store: S3 when `TALAB_OBJECTS` names a bucket, else `localStore()`.
    func settings() throws -> ObjectStoreSettings {
        do {
            return try ObjectStoreSettings(environment: ProcessInfo.processInfo.environment, local: localStore())
        } catch {
            throw ValidationError(error.description)
        }
    }

    func store() throws -> any ObjectStore { try settings().store }

    func localStore() -> LocalObjectStore {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ flag: String?, _ variable: String) -> String? {
            if let flag, !flag.isEmpty { return flag }
            return environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let folder =
            setting(directory, "TALAB_OBJECTS_DIR").map { URL(fileURLWithPath: $0) }
            ?? LocalCluster.projectFolder(from: currentDirectory).appendingPathComponent(".talab/objects")
        let base = setting(baseURL, "TALAB_OBJECTS_URL") ?? "/objects/"
        return LocalObjectStore(directory: folder, baseURL: base)
    }

    /// A reconciler on this pool with this object store and the environment's master key and
    /// tokens; on the local cluster, where those are unset, `talab dev`'s own (its key in `.talab/`,
    /// stand-in tokens), so that a plan there sees what `talab dev` applied.
    func reconciler(_ pool: PostgresPool, local: Bool) throws -> Reconciler {
        guard local else {
            return Reconciler(pool: pool, sealer: try SecretSealer.fromEnvironmentIfSet(), objects: try store())
        }
        let development = DevFolder.project
        return Reconciler(
            pool: pool,
            secrets: development.secrets,
            sealer: try development.existingMasterKey.map { try SecretSealer(base64Key: $0) }
                ?? SecretSealer.fromEnvironmentIfSet(),
            objects: try store()
        )
    }
}
