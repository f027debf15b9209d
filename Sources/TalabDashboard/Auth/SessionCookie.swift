public import HTTPTypes
public import Hummingbird

/// The session cookie: `HttpOnly` (no script reads it), `Secure`, `SameSite=Strict` (no other site's
/// page sends it), for the whole server.
public struct SessionCookie: Sendable {
    public let name: String

    public init(name: String = "talab_session") { self.name = name }

    /// The cookie's value in a request, if it has one.
    public func value(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    public func set(_ token: String, maxAge: Int) -> HTTPField {
        HTTPField(
            name: .setCookie,
            value: "\(name)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
        )
    }

    public func clear() -> HTTPField {
        HTTPField(name: .setCookie, value: "\(name)=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
    }
}
