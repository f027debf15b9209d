import Foundation
public import Hummingbird

/// An HTTP error as JSON with a stable code: `{"error": {"code": "invalid_signature", "message": "…"}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// A stable code, for programs: its text (`invalid_signature`) is what the JSON carries.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        /// A code of its own, as for an HTTP status nobody described (`Not Found` → `not_found`).
        public init(_ value: String) { self.value = value }
        public static let verificationFailed = Code("verification_failed")
        public static let invalidSignature = Code("invalid_signature")
        public static let payloadTooLarge = Code("payload_too_large")
        public static let busy = Code("busy")
        public static let notFound = Code("not_found")
        public static let methodNotAllowed = Code("method_not_allowed")
        public static let internalError = Code("internal_error")
        public static let databaseUnreachable = Code("database_unreachable")
        public static let catalogNotLoaded = Code("catalog_not_loaded")
        public static let badRequest = Code("bad_request")
    }

    public let status: HTTPResponse.Status
    public let code: Code
    public let message: String
    /// Sent with it: `Retry-After`, `Allow`, `Connection: close`.
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: Code, message: String, headers: HTTPFields = [:]) {
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
            Body(error: .init(code: code.value, message: message)),
            from: request,
            context: context
        )
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}
