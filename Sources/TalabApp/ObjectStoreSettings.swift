public import Foundation
public import TalabAWS
public import TalabStore

/// Where images are kept, from the environment: a local directory (the default, served by
/// `talab serve` under `/objects/`), or S3 with `TALAB_OBJECTS=s3://bucket/prefix`, its region
/// (`TALAB_S3_REGION`, else `AWS_REGION`, `AWS_DEFAULT_REGION`), an optional `TALAB_S3_ENDPOINT`
/// (moto, MinIO), `TALAB_OBJECTS_URL` for a CDN in front, and the standard AWS credentials.
public enum ObjectStoreSettings: Sendable {
    case local(LocalObjectStore)
    case s3(S3ObjectStore.Settings)

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `local` is the directory store used unless `TALAB_OBJECTS` names an S3 bucket.
    public init(environment: [String: String], local: LocalObjectStore) throws(Invalid) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let objects = value("TALAB_OBJECTS") else {
            self = .local(local)
            return
        }
        guard let (bucket, prefix) = S3ObjectStore.Settings.location(objects) else {
            throw Invalid(
                description:
                    "TALAB_OBJECTS is s3://bucket/prefix (a bucket of 3 to 63 lowercase letters, digits, - and .)"
            )
        }
        guard let region = value("TALAB_S3_REGION") ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") else {
            throw Invalid(description: "TALAB_OBJECTS=s3://… needs a region: TALAB_S3_REGION or AWS_REGION")
        }
        guard let credentials = AWSCredentials.fromEnvironment(environment) else {
            throw Invalid(description: "TALAB_OBJECTS=s3://… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        var settings = S3ObjectStore.Settings(bucket: bucket, prefix: prefix, region: region, credentials: credentials)
        if let endpoint = value("TALAB_S3_ENDPOINT") {
            guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw Invalid(description: "TALAB_S3_ENDPOINT is not an http(s) URL")
            }
            settings.endpoint = url
        }
        settings.publicURL = value("TALAB_OBJECTS_URL")
        self = .s3(settings)
    }

    public var store: any ObjectStore {
        switch self {
        case .local(let store): store
        case .s3(let settings): S3ObjectStore(settings: settings)
        }
    }

    /// The local store, which `talab serve` answers `/objects/` from; nil with S3.
    public var local: LocalObjectStore? {
        if case .local(let store) = self { return store }
        return nil
    }

    /// Where objects go, for an operator (no credential).
    public var summary: String {
        switch self {
        case .local(let store): store.directory.path
        case .s3(let settings): "s3://\(settings.bucket)/\(settings.prefix)"
        }
    }
}
