public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/branches`: each branch with its state of the day, and pausing new orders or busy mode
/// (`POST /api/v1/branches/{id}/operations` with `{"pause_minutes": 30}` (0 reopens, -1 until
/// reopened) and/or `{"busy_minutes": 20}`), for owners and managers. The bot reads it with every
/// order it is about to place, so a pause holds from the next confirmation on.
public struct BranchesController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("branches", use: list)
        api.post("branches/:id/operations", use: operate)
    }

    struct BranchView: Encodable {
        let id: String
        let key: String
        let name: String
        let paused: Bool
        let paused_until: Date?
        let busy_minutes: Int
    }

    struct Branches: Encodable {
        let branches: [BranchView]
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let (_, business) = try OrdersController<Context>.business(context)
        let views = try await BranchesController.views(pool: pool, business: business)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var response = try encoder.encode(Branches(branches: views), from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func views(pool: PostgresPool, business: UUID) async throws -> [BranchView] {
        let profile = try await pool.withBusiness(business) { try await OrderBoard.profile(on: $0) }
        return profile.map(views) ?? []
    }

    /// The branches of a profile as the API shows them (the profile already read their state).
    static func views(_ profile: OrderBoard.Profile) -> [BranchView] {
        let now = Date()
        return profile.branches.map { branch in
            BranchView(
                id: branch.id.lowercasedText,
                key: branch.key,
                name: branch.name,
                paused: branch.operations.isPaused(at: now),
                paused_until: branch.operations.pausedUntil == .distantFuture ? nil : branch.operations.pausedUntil,
                busy_minutes: branch.busyMinutes
            )
        }
    }

    struct Operation: Decodable {
        var pause_minutes: Int?
        var busy_minutes: Int?
    }

    @Sendable func operate(_ request: Request, context: Context) async throws -> Response {
        let operation = try await request.json(
            Operation.self,
            upTo: 4 * 1024,
            help: "send {\"pause_minutes\": minutes (0 reopens, -1 until reopened), \"busy_minutes\": 0…240}"
        )
        try await apply(operation, branch: context.parameters.get("id") ?? "", context: context)
        return try await list(request, context: context)
    }

    /// The change, for the API and the settings page alike.
    func apply(_ operation: Operation, branch: String, context: Context) async throws {
        let (signedIn, business) = try OrdersController<Context>.business(context)
        guard signedIn.atLeast(.manager) else {
            throw APIError(.forbidden, code: .forbidden, message: "pausing a branch is for owners and managers")
        }
        guard let branchID = UUID(uuidString: branch) else {
            throw APIError(.notFound, code: .notFound, message: "no such branch")
        }
        if let minutes = operation.pause_minutes, !(-1...1440).contains(minutes) {
            throw APIError(.badRequest, code: .badRequest, message: "pause_minutes is -1 to 1440")
        }
        if let minutes = operation.busy_minutes, !(0...240).contains(minutes) {
            throw APIError(.badRequest, code: .badRequest, message: "busy_minutes is 0 to 240")
        }
        let found = try await pool.withBusiness(business) { connection in
            var state = try await BranchOperations.state(of: branchID, on: connection)
            if let minutes = operation.pause_minutes {
                state.pausedUntil =
                    switch minutes {
                    case -1: .distantFuture
                    case 0: nil
                    default: Date().addingTimeInterval(Double(minutes) * 60)
                    }
            }
            if let busy = operation.busy_minutes { state.busyMinutes = busy }
            return try await BranchOperations.set(
                state,
                branch: branchID,
                by: signedIn.account.displayName ?? signedIn.account.email,
                on: connection
            )
        }
        guard found else { throw APIError(.notFound, code: .notFound, message: "no such branch") }
    }
}
