public import Hummingbird
import Logging

/// Every error as JSON with a stable code, whatever threw it: an unknown route is a 404
/// `not_found`, a known route asked with another method a 405 `method_not_allowed` with `Allow`,
/// and an error nobody described a 500 `internal_error` whose details stay in the log.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The methods each path answers; a path ending in `/` covers everything under it.
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
        return routes.first { $0.key.hasSuffix("/") && path.hasPrefix($0.key) }?.value
    }

    /// `Not Found` → `not_found`.
    static func code(_ status: HTTPResponse.Status) -> APIError.Code {
        let words = status.reasonPhrase.lowercased().split { !$0.isLetter && !$0.isNumber }
        return APIError.Code(words.isEmpty ? "http_\(status.code)" : words.joined(separator: "_"))
    }
}
