import Foundation
import Hummingbird

/// An HTTP error as JSON with a stable code: `{"error": {"code": "invalid_signature", "message": "…"}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Stable, for programs: `invalid_signature`, `payload_too_large`, `forbidden`, `not_ready`.
    public let code: String
    public let message: String
    /// Sent with it: `Retry-After`, `Allow`, `Connection: close`.
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONEncoder().encode(
            Body(error: .init(code: code, message: message)),
            from: request,
            context: context
        )
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}
