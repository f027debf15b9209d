public import Hummingbird
import Logging

/// Every error as JSON with a stable code, whatever threw it: an unknown route is a 404
/// `not_found`, a known route asked with another method a 405 `method_not_allowed` with `Allow`,
/// and an error nobody described a 500 `internal_error` whose details stay in the log.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The methods each path answers; a path ending in `/` covers everything under it, and a
    /// segment `:name` stands for any one segment (`/api/v1/orders/:id`).
    let routes: [String: [HTTPRequest.Method]]

    public init(routes: [String: [HTTPRequest.Method]]) { self.routes = routes }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = allowed(request.uri.path), !allowed.contains(request.method) {
                throw APIError(
                    .methodNotAllowed,
                    code: .methodNotAllowed,
                    message: "\(request.uri.path) answers \(allowed.map(\.rawValue).joined(separator: ", "))",
                    headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")]
                )
            }
            throw APIError(
                error.status,
                code: JSONErrorMiddleware.code(error.status),
                message: error.status.reasonPhrase
            )
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, code: .internalError, message: "the server could not answer")
        }
    }

    func allowed(_ path: String) -> [HTTPRequest.Method]? {
        if let methods = routes[path] { return methods }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if let pattern = routes.first(where: { JSONErrorMiddleware.matches($0.key, segments) }) { return pattern.value }
        return routes.first { $0.key.hasSuffix("/") && path.hasPrefix($0.key) }?.value
    }

    /// Whether a pattern with `:name` segments matches the path's segments.
    static func matches(_ pattern: String, _ segments: [Substring]) -> Bool {
        guard pattern.contains(":") else { return false }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return false }
        return zip(parts, segments).allSatisfy { part, segment in
            part.hasPrefix(":") ? !segment.isEmpty : part == segment
        }
    }

    /// `Not Found` → `not_found`.
    static func code(_ status: HTTPResponse.Status) -> APIError.Code {
        let words = status.reasonPhrase.lowercased().split { !$0.isLetter && !$0.isNumber }
        return APIError.Code(words.isEmpty ? "http_\(status.code)" : words.joined(separator: "_"))
    }
}
