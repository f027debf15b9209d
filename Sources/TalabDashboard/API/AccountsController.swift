public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/accounts` and `/api/v1/invitations`: a business's own logins, managed by its owners.
/// An owner invites someone by link (`POST /api/v1/invitations` with `{email, role, branch?}`
/// answers the link once), revokes an open invitation, changes a login's role or branch, or
/// disables it (signed out at once). Managers may see the logins; staff nothing. The person invited
/// opens the link, chooses a password and is signed in (`POST /api/v1/invitations/accept`).
/// Every change is audited with the person who made it.
public struct AccountsController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool
    let sessions: SessionsController<Context>

    init(pool: PostgresPool, sessions: SessionsController<Context>) {
        self.pool = pool
        self.sessions = sessions
    }

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        router.post("/api/v1/invitations/accept", use: acceptAPI)
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("accounts", use: list)
        api.post("accounts/:id", use: changeAPI)
        api.get("invitations", use: invitations)
        api.post("invitations", use: inviteAPI)
        api.delete("invitations/:id", use: revokeAPI)
    }

    // MARK: what the API shows

    struct InvitationView: Encodable {
        let id: String
        let email: String
        let role: String
        let branch: String?
        let invited_by: String
        let created_at: Date
        let expires_at: Date
        let state: String
        /// Only when it was just made: the link's path, shown this once.
        var link: String?

        init(_ invitation: Invitations.Invitation, link: String? = nil) {
            id = invitation.id.lowercasedText
            email = invitation.email
            role = invitation.role.rawValue
            branch = invitation.branchKey
            invited_by = invitation.invitedBy
            created_at = invitation.createdAt
            expires_at = invitation.expiresAt
            state =
                invitation.acceptedAt != nil
                ? "accepted"
                : invitation.revokedAt != nil ? "revoked" : invitation.open() ? "open" : "expired"
            self.link = link
        }
    }

    struct Accounts: Encodable { let accounts: [AccountView] }
    struct InvitationList: Encodable { let invitations: [InvitationView] }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The path a link's secret opens.
    static func path(_ secret: String) -> String { "/dashboard/join/\(secret)" }

    /// The signed-in business login, if its role is at least `role`.
    static func scope(_ context: Context, atLeast role: AccountStore.Role, _ what: String) throws -> (SignedIn, UUID) {
        let (signedIn, business) = try OrdersController<Context>.business(context)
        guard signedIn.atLeast(role) else { throw APIError(.forbidden, code: .forbidden, message: what) }
        return (signedIn, business)
    }

    // MARK: logins

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let (_, business) = try AccountsController.scope(
            context,
            atLeast: .manager,
            "logins are for owners and managers"
        )
        let accounts = try await pool.withBusiness(business) { try await AccountStore.list(on: $0) }
        var response = try AccountsController.encoder().encode(
            Accounts(accounts: accounts.map(AccountView.init)),
            from: request,
            context: context
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }

    struct Change: Decodable {
        var role: String?
        var branch: String?
        var disabled: Bool?
    }

    @Sendable func changeAPI(_ request: Request, context: Context) async throws -> Response {
        let change = try await request.json(
            Change.self,
            upTo: 4 * 1024,
            help: "send {\"role\": \"owner|manager|staff\", \"branch\": key or \"\", \"disabled\": true|false}"
        )
        let account = try await apply(change, to: context.parameters.get("id") ?? "", context: context)
        return try AccountsController.encoder().encode(AccountView(account), from: request, context: context)
    }

    /// The change, for the API and the settings page alike.
    func apply(_ change: Change, to id: String, context: Context) async throws -> AccountStore.Account {
        let (signedIn, business) = try AccountsController.scope(
            context,
            atLeast: .owner,
            "logins are managed by owners"
        )
        guard let id = UUID(uuidString: id) else {
            throw APIError(.notFound, code: .notFound, message: "no such login")
        }
        var role: AccountStore.Role?
        if let asked = change.role {
            guard let known = AccountStore.Role(rawValue: asked), known != .admin else {
                throw APIError(.badRequest, code: .badRequest, message: "role is owner, manager or staff")
            }
            role = known
        }
        do {
            let changed = try await pool.withBusiness(business) { connection in
                try await AccountStore.change(
                    id,
                    AccountStore.Change(role: role, branch: change.branch, disabled: change.disabled),
                    by: signedIn.account,
                    address: context.remoteAddress,
                    on: connection
                )
            }
            guard let changed else { throw APIError(.notFound, code: .notFound, message: "no such login") }
            return changed
        } catch let error as AccountStore.AccountError {
            throw AccountsController.apiError(error.code.value, error.message)
        }
    }

    // MARK: invitations

    @Sendable func invitations(_ request: Request, context: Context) async throws -> Response {
        let (_, business) = try AccountsController.scope(context, atLeast: .owner, "invitations are for owners")
        let all = try await pool.withBusiness(business) { try await Invitations.list(on: $0) }
        var response = try AccountsController.encoder().encode(
            InvitationList(invitations: all.map { InvitationView($0) }),
            from: request,
            context: context
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }

    struct Invite: Decodable {
        var email: String
        var role: String
        var branch: String?
    }

    @Sendable func inviteAPI(_ request: Request, context: Context) async throws -> Response {
        let asked = try await request.json(
            Invite.self,
            upTo: 4 * 1024,
            help: "send {\"email\": …, \"role\": \"owner|manager|staff\", \"branch\": key (optional)}"
        )
        let view = try await invite(asked, context: context)
        var response = try AccountsController.encoder().encode(view, from: request, context: context)
        response.status = .created
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Makes the invitation, for the API and the settings page alike: its view with the link's path.
    func invite(_ invite: Invite, context: Context) async throws -> InvitationView {
        let (signedIn, business) = try AccountsController.scope(context, atLeast: .owner, "invitations are for owners")
        guard let role = AccountStore.Role(rawValue: invite.role), role != .admin else {
            throw APIError(.badRequest, code: .badRequest, message: "role is owner, manager or staff")
        }
        do {
            let created = try await pool.withBusiness(business) { connection in
                try await Invitations.create(
                    email: invite.email,
                    role: role,
                    branch: invite.branch,
                    by: signedIn.account,
                    address: context.remoteAddress,
                    on: connection
                )
            }
            return InvitationView(created.invitation, link: AccountsController.path(created.secret))
        } catch let error as Invitations.InvitationError {
            throw AccountsController.apiError(error.code.value, error.message)
        }
    }

    @Sendable func revokeAPI(_ request: Request, context: Context) async throws -> Response {
        try await revoke(context.parameters.get("id") ?? "", context: context)
        return Response(status: .noContent)
    }

    func revoke(_ id: String, context: Context) async throws {
        let (signedIn, business) = try AccountsController.scope(context, atLeast: .owner, "invitations are for owners")
        guard let id = UUID(uuidString: id),
            try await pool.withBusiness(
                business,
                { connection in
                    try await Invitations.revoke(
                        id,
                        by: signedIn.account,
                        address: context.remoteAddress,
                        on: connection
                    )
                }
            )
        else { throw APIError(.notFound, code: .notFound, message: "no open invitation by that id") }
    }

    // MARK: accepting

    struct Accept: Decodable {
        var token: String
        var password: String
        var display_name: String?
        var language: String?
    }

    @Sendable func acceptAPI(_ request: Request, context: Context) async throws -> Response {
        let accept = try await request.json(
            Accept.self,
            upTo: 16 * 1024,
            help: "send {\"token\": the link's last part, \"password\": …, \"display_name\": optional}"
        )
        let opened = try await self.accept(
            accept,
            address: context.remoteAddress,
            userAgent: request.headers[.userAgent]
        )
        var response = try JSONEncoder().encode(opened, from: request, context: context)
        response.status = .created
        response.headers.append(sessions.cookie.set(opened.token, maxAge: Int(sessions.tokens.lifetime)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Makes the login an invitation promised, then signs the person in.
    func accept(
        _ accept: Accept,
        address: String?,
        userAgent: String?
    ) async throws -> SessionsController<Context>.Opened {
        // A link that opens nothing is said first, before anything about the password.
        guard accept.token.utf8.count <= 64, let found = try await Invitations.find(secret: accept.token, pool: pool),
            found.0.open()
        else { throw AccountsController.apiError("invitation_closed", Invitations.closedMessage) }
        if let weakness = PasswordHasher.weakness(of: accept.password) {
            throw APIError(.badRequest, code: .weakPassword, message: weakness)
        }
        let name = accept.display_name?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100)
        let language = accept.language.flatMap { PageRenderer.languages.contains($0) ? $0 : nil } ?? "en"
        let hash = try await sessions.hasher.hash(accept.password)
        let account: UUID
        do {
            account = try await Invitations.accept(
                secret: accept.token,
                passwordHash: hash,
                displayName: name.flatMap { $0.isEmpty ? nil : String($0) },
                language: language,
                address: address,
                pool: pool
            )
        } catch let error as Invitations.InvitationError {
            throw AccountsController.apiError(error.code.value, error.message)
        }
        guard let email = try await sessions.accounts.account(id: account)?.email else {
            throw APIError(.internalServerError, code: .internalError, message: "the new login was not found")
        }
        return try await sessions.open(email: email, password: accept.password, address: address, userAgent: userAgent)
    }

    /// A store's refusal as the API says it.
    static func apiError(_ code: String, _ message: String) -> APIError {
        switch code {
        case "email_taken": APIError(.conflict, code: .init(code), message: message)
        case "invitation_closed", "unknown_branch": APIError(.notFound, code: .init(code), message: message)
        case "not_found": APIError(.notFound, code: .notFound, message: message)
        case "invalid_scope": APIError(.conflict, code: .init("own_login"), message: message)
        default: APIError(.badRequest, code: .init(code), message: message)
        }
    }
}

extension APIError.Code {
    public static let weakPassword = APIError.Code("weak_password")
}
