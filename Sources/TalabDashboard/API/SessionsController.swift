public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/sessions`: signing in (a cookie for the browser, a bearer token in the body for API
/// clients), signing out, and signing out everywhere. Failed sign-ins are counted per email and per
/// address; past `Limits`, sign-in answers 429 with `Retry-After` until the wait is over.
public struct SessionsController<Context: DashboardRequestContext>: Sendable {
    public let accounts: AccountStore
    public let sessions: SessionStore
    public let tokens: SessionTokens
    public let hasher: PasswordHasher
    public let cookie: SessionCookie
    public var limits = Limits()

    public struct Limits: Sendable {
        /// Failures counted over this window.
        public var window: TimeInterval = 15 * 60
        /// Failures for one email before each further attempt waits.
        public var perEmail = 5
        /// Failures from one address (any email) before it waits.
        public var perAddress = 30
        /// The first wait, doubled with each further failure, up to `longestWait`.
        public var firstWait: TimeInterval = 30
        public var longestWait: TimeInterval = 15 * 60
        /// How long a session lasts, renewed token after token, before signing in again.
        public var sessionLifetime: TimeInterval = 12 * 60 * 60

        public init() {}
    }

    public init(
        accounts: AccountStore,
        sessions: SessionStore,
        tokens: SessionTokens,
        hasher: PasswordHasher,
        cookie: SessionCookie = SessionCookie()
    ) {
        self.accounts = accounts
        self.sessions = sessions
        self.tokens = tokens
        self.hasher = hasher
        self.cookie = cookie
    }

    /// `POST /api/v1/sessions` open to all; the others behind `authentication`.
    public func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        router.post("/api/v1/sessions", use: signIn)
        let signedIn = router.group("/api/v1/sessions").add(middleware: authentication)
        signedIn.delete("current", use: signOut)
        signedIn.delete(use: signOutEverywhere)
    }

    struct Credentials: Decodable {
        let email: String
        let password: String
    }

    struct Opened: Encodable {
        let token: String
        let token_type = "Bearer"
        let expires_in: Int
        let csrf_token: String
        let account: AccountView
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let credentials = try await request.json(
            Credentials.self,
            upTo: 16 * 1024,
            help: "send {\"email\": …, \"password\": …} as JSON"
        )
        let opened = try await open(
            email: credentials.email,
            password: credentials.password,
            address: context.remoteAddress,
            userAgent: request.headers[.userAgent]
        )
        var response = try JSONEncoder().encode(opened, from: request, context: context)
        response.status = .created
        response.headers.append(cookie.set(opened.token, maxAge: Int(tokens.lifetime)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Checks a sign-in (rate limit, then password) and opens a session; every refusal is an
    /// `APIError` whose message can be shown to the person as it is.
    func open(email: String, password: String, address: String?, userAgent: String?) async throws -> Opened {
        if let wait = try await wait(email: email, address: address) {
            throw APIError(
                .tooManyRequests,
                code: .tooManyAttempts,
                message: "Too many failed sign-ins. Try again in \(wait) seconds.",
                headers: [.retryAfter: String(wait)]
            )
        }
        let found = try await accounts.credentials(email: email)
        let matches = try await hasher.verify(password, hash: found?.passwordHash)
        guard matches, let account = found?.account, !account.disabled,
            let session = try await sessions.open(
                account: account.id,
                lifetime: limits.sessionLifetime,
                userAgent: userAgent,
                address: address
            )
        else {
            try await sessions.recordFailure(email: email, address: address)
            throw APIError(.unauthorized, code: .invalidCredentials, message: "Wrong email or password.")
        }
        let csrf = SessionTokens.randomToken()
        let token = try await tokens.sign(session: session.id, account: account.id, csrf: csrf)
        return Opened(token: token, expires_in: Int(tokens.lifetime), csrf_token: csrf, account: AccountView(account))
    }

    /// Seconds to wait before the next attempt, or nil when it may go ahead now.
    func wait(email: String, address: String?) async throws -> Int? {
        let failures = try await sessions.failures(email: email, address: address, window: limits.window)
        let beyond = max(failures.byEmail - limits.perEmail, failures.byAddress - limits.perAddress)
        guard beyond >= 0, let latest = failures.latest else { return nil }
        let wait = min(limits.firstWait * pow(2, Double(min(beyond, 20))), limits.longestWait)
        let left = latest.addingTimeInterval(wait).timeIntervalSinceNow
        return left > 0 ? Int(left.rounded(.up)) : nil
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        if let signedIn = context.signedIn { try await sessions.revoke(signedIn.session) }
        return Response(status: .noContent, headers: [.setCookie: cookie.clear().value])
    }

    @Sendable func signOutEverywhere(_ request: Request, context: Context) async throws -> Response {
        if let signedIn = context.signedIn { try await sessions.revokeAll(account: signedIn.account.id) }
        return Response(status: .noContent, headers: [.setCookie: cookie.clear().value])
    }
}

/// An account as the API shows it (never its password hash).
struct AccountView: Encodable {
    let id: String
    let email: String
    let role: String
    let business_id: String?
    let business: String?
    let branch_id: String?
    let branch: String?
    let display_name: String?
    let language: String

    init(_ account: AccountStore.Account) {
        id = account.id.lowercasedText
        email = account.email
        role = account.role.rawValue
        business_id = account.businessID?.lowercasedText
        business = account.businessSlug
        branch_id = account.branchID?.lowercasedText
        branch = account.branchKey
        display_name = account.displayName
        language = account.language
    }
}
