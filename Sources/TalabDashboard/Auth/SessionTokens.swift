public import Foundation
public import JWTKit

/// The signed token a browser (in a cookie) or an API client (as a bearer token) presents: HS256,
/// short-lived, naming a server-side session that can be revoked at any moment. The key comes from
/// `TALAB_JWT_SECRET` only; it is never logged.
public struct SessionTokens: Sendable {
    let keys: JWTKeyCollection
    /// How long a token is good for; a request with a token past half of it gets a fresh one.
    public let lifetime: TimeInterval

    public struct Claims: JWTPayload, Equatable {
        /// The session (`account_sessions.id`).
        public var sub: SubjectClaim
        public var exp: ExpirationClaim
        public var iat: IssuedAtClaim
        /// The account signed in.
        public var acc: String
        /// What a form or a state-changing call must send back (`X-CSRF-Token` or `_csrf`).
        public var csrf: String

        public func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
        }

        public var session: UUID? { UUID(uuidString: sub.value) }
        public var account: UUID? { UUID(uuidString: acc) }
    }

    public struct TokenError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A secret of at least 32 bytes, as text (`TALAB_JWT_SECRET`).
    public init(secret: String, lifetime: TimeInterval = 30 * 60) async throws {
        guard secret.utf8.count >= 32 else {
            throw TokenError(description: "TALAB_JWT_SECRET needs at least 32 characters")
        }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    public func sign(session: UUID, account: UUID, csrf: String, now: Date = Date()) async throws -> String {
        try await keys.sign(
            Claims(
                sub: SubjectClaim(value: session.uuidString.lowercased()),
                exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
                iat: IssuedAtClaim(value: now),
                acc: account.uuidString.lowercased(),
                csrf: csrf
            )
        )
    }

    /// The claims of a token signed with our key and not expired; nil for anything else.
    public func verify(_ token: String) async -> Claims? {
        try? await keys.verify(token, as: Claims.self)
    }

    /// A random token for CSRF checks (32 bytes, base64url).
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
