import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt for the dashboard's passwords, on NIO's blocking thread pool: a hash takes about a
/// quarter of a second at cost 12 and must never hold an event loop or the cooperative pool.
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor: 12 in production; tests may lower it (never below 4, bcrypt's floor).
    public var cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = max(cost, 4) }

    /// Why a new password is refused, or nil when it is good enough.
    public static func weakness(of password: String) -> String? {
        if password.count < 10 { return "a password needs at least 10 characters" }
        if password.utf8.count > 72 { return "a password may have at most 72 bytes (bcrypt reads no further)" }
        if Set(password).count < 4 { return "a password needs more than a few different characters" }
        return nil
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`. With no hash (no such login) it still spends a bcrypt
    /// verification of the same cost, so a wrong email takes as long as a wrong password.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive {
            guard let hash else {
                _ = Bcrypt.verify(password, hash: PasswordHasher.decoy(cost: cost))
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }

    /// A bcrypt hash of a random password nobody knows, one per cost, made on first use.
    static func decoy(cost: UInt8) -> String {
        if let known = decoys.withLock({ $0[cost] }) { return known }
        let made = Bcrypt.hash(SessionTokens.randomToken(), cost: cost)
        decoys.withLock { $0[cost] = made }
        return made
    }
    static let decoys = Mutex<[UInt8: String]>([:])
}
