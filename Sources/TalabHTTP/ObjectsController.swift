import Foundation
import Glibc
public import Hummingbird
public import TalabStore

/// `GET /objects/images/<blob id>.<ext>`: the images `talab apply` copied into the local object
/// store, served as immutable (the key is the content's git blob id). Only keys of that shape are
/// read, never through a symbolic link, so nothing outside the store can be reached.
public struct ObjectsController<Context: RequestContext>: Sendable {
    let store: LocalObjectStore

    public init(store: LocalObjectStore) { self.store = store }
    /// Larger files are not images a menu shows.
    static var maxBytes: Int { 10 * 1024 * 1024 }

    static var types: [String: String] {
        ["png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"]
    }

    public func add(to router: Router<Context>) {
        router.get("/objects/**", use: serve)
        router.head("/objects/**", use: serve)
    }

    @Sendable func serve(_ request: Request, context: Context) async throws -> Response {
        let key = String(request.uri.path.dropFirst("/objects/".count))
        guard let (name, type) = ObjectsController.image(key) else { throw ObjectsController.notFound }
        let tag = "\"\(name)\""
        var headers: HTTPFields = [
            .contentType: type, .cacheControl: "public, max-age=31536000, immutable", .eTag: tag,
            .init("X-Content-Type-Options")!: "nosniff",
        ]
        if request.headers[.ifNoneMatch] == tag { return Response(status: .notModified, headers: headers) }
        guard let bytes = try ObjectsController.read(try store.file(key)) else { throw ObjectsController.notFound }
        headers[.contentLength] = "\(bytes.count)"
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `images/<hex id>.<known ext>` → the id and the content type; nil for any other key.
    static func image(_ key: String) -> (String, String)? {
        guard key.hasPrefix("images/") else { return nil }
        let file = key.dropFirst("images/".count)
        let parts = file.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (40...64).contains(parts[0].count),
            parts[0].utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
            let type = types[String(parts[1])]
        else { return nil }
        return (String(parts[0]), type)
    }

    /// The file's bytes, refusing a symbolic link, anything not a regular file, and large files.
    static func read(_ url: URL) throws -> [UInt8]? {
        let descriptor = Glibc.open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, Int(status.st_size) <= maxBytes
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled)
            }
            guard count > 0 else { return nil }
            filled += count
        }
        return bytes
    }

    static var notFound: APIError { APIError(.notFound, code: .notFound, message: "no such object") }
}
