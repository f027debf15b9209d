public import Foundation
public import Hummingbird
public import TalabStore

/// Who a dashboard request comes from, as `DashboardAuthentication` found out.
public struct SignedIn: Sendable {
    public let account: AccountStore.Account
    public let session: UUID
    /// What a state-changing request authenticated by the cookie must send back.
    public let csrf: String
    /// Whether the token came in the cookie (a browser: CSRF applies) or as a bearer token.
    public let viaCookie: Bool

    /// The business whose rows the request may see; nil for a platform admin.
    public var business: UUID? { account.businessID }

    /// Whether the role may do what needs `role` or more (staff < manager < owner).
    public func atLeast(_ role: AccountStore.Role) -> Bool {
        SignedIn.rank(account.role) >= SignedIn.rank(role)
    }

    static func rank(_ role: AccountStore.Role) -> Int {
        switch role {
        case .staff: 0
        case .manager: 1
        case .owner: 2
        case .admin: 3
        }
    }
}

/// A request context the dashboard can run in: it carries who signed in, and the address the
/// request came from (for rate-limiting sign-ins).
public protocol DashboardRequestContext: RequestContext {
    var signedIn: SignedIn? { get set }
    var remoteAddress: String? { get }
}
