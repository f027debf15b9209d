import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// Signs a dashboard request in: a token from the `talab_session` cookie or an `Authorization:
/// Bearer` header, signed with our key, unexpired, naming a live session of an enabled account.
/// Anything else is a 401 `not_signed_in` (never a hint of which part failed). A browser's request
/// that changes something must also carry the session's CSRF token (`X-CSRF-Token`), or it is a
/// 403 `csrf_failed`. A cookie past half its life is renewed on the response.
///
/// For pages (`pages: true`) a request that is not signed in is sent to the sign-in page instead,
/// and a form may carry the CSRF token as its `_csrf` field.
public struct DashboardAuthentication<Context: DashboardRequestContext>: RouterMiddleware {
    public let tokens: SessionTokens
    public let sessions: SessionStore
    public let cookie: SessionCookie
    public let pages: Bool

    public init(
        tokens: SessionTokens,
        sessions: SessionStore,
        cookie: SessionCookie,
        pages: Bool = false
    ) {
        self.tokens = tokens
        self.sessions = sessions
        self.cookie = cookie
        self.pages = pages
    }

    /// The same checks, for pages.
    public var forPages: DashboardAuthentication {
        DashboardAuthentication(tokens: tokens, sessions: sessions, cookie: cookie, pages: true)
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let bearer = request.headers[.authorization].flatMap { value -> String? in
            value.lowercased().hasPrefix("bearer ")
                ? String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil
        }
        let fromCookie = bearer == nil ? cookie.value(in: request) : nil
        guard let token = bearer ?? fromCookie, let claims = await tokens.verify(token),
            let sessionID = claims.session, let accountID = claims.account,
            let account = try await sessions.signedIn(session: sessionID, account: accountID)
        else {
            if pages {
                return Response(
                    status: .seeOther,
                    headers: [.location: "/dashboard/sign-in", .setCookie: cookie.clear().value]
                )
            }
            throw APIError(.unauthorized, code: .notSignedIn, message: "sign in first")
        }
        let signedIn = SignedIn(account: account, session: sessionID, csrf: claims.csrf, viaCookie: fromCookie != nil)
        var request = request
        if signedIn.viaCookie, !DashboardAuthentication.safe(request.method) {
            var sent = request.headers[.csrfToken]
            if sent == nil, pages {
                let body = try await request.collectBody(upTo: 64 * 1024)
                sent = FormFields(String(buffer: body))["_csrf"]
            }
            guard let sent, DashboardAuthentication.equal(sent, claims.csrf) else {
                throw APIError(.forbidden, code: .csrfFailed, message: "the form is stale: reload the page")
            }
        }
        context.signedIn = signedIn
        var response = try await next(request, context)
        if signedIn.viaCookie, claims.iat.value.addingTimeInterval(tokens.lifetime / 2) < Date() {
            let renewed = try await tokens.sign(session: sessionID, account: accountID, csrf: claims.csrf)
            response.headers.append(cookie.set(renewed, maxAge: Int(tokens.lifetime)))
        }
        return response
    }

    static func safe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }

    /// Compares in time that does not depend on where the texts differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

extension APIError.Code {
    public static let notSignedIn = APIError.Code("not_signed_in")
    public static let csrfFailed = APIError.Code("csrf_failed")
    public static let forbidden = APIError.Code("forbidden")
    public static let invalidCredentials = APIError.Code("invalid_credentials")
    public static let tooManyAttempts = APIError.Code("too_many_attempts")
    public static let illegalTransition = APIError.Code("illegal_transition")
}
