public import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import TalabConfig
public import TalabCore
public import TalabHTTP
public import TalabStore

/// `/api/v1/items`: the menu, and "86" an item (`POST /api/v1/items/{key}/availability` with
/// `{"availability": "out_of_stock" | "available" | "hidden"}`), for owners and managers. The
/// change is a commit by the signed-in person (`CatalogEditor`), applied before the answer.
public struct MenuController<Context: DashboardRequestContext>: Sendable {
    public let pool: PostgresPool
    public let editor: CatalogEditor?

    public init(pool: PostgresPool, editor: CatalogEditor?) {
        self.pool = pool
        self.editor = editor
    }

    public func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        let api = router.group("/api/v1").add(middleware: authentication)
        api.get("items", use: items)
        api.post("items/:key/availability", use: setAvailability)
    }

    struct ItemView: Encodable {
        let key: String
        let name: String
        let menu: String
        let price: String
        let availability: String
    }

    struct Items: Encodable {
        let items: [ItemView]
    }

    @Sendable func items(_ request: Request, context: Context) async throws -> Response {
        let (_, business) = try OrdersController<Context>.business(context)
        let items = try await pool.withBusiness(business) { try await MenuItems.list(on: $0) }
        return try JSONEncoder().encode(
            Items(
                items: items.map {
                    ItemView(
                        key: $0.key,
                        name: $0.name,
                        menu: $0.menu,
                        price: "\($0.price)",
                        availability: $0.availability
                    )
                }
            ),
            from: request,
            context: context
        )
    }

    struct Change: Decodable {
        let availability: String
    }

    struct Changed: Encodable {
        let item: String
        let availability: String
        let commit: String?
    }

    @Sendable func setAvailability(_ request: Request, context: Context) async throws -> Response {
        let help = "send {\"availability\": \"out_of_stock|available|hidden\"} as JSON"
        let change = try await request.json(Change.self, upTo: 4 * 1024, help: help)
        guard let availability = ItemAvailability(rawValue: change.availability) else {
            throw APIError(.badRequest, code: .badRequest, message: help)
        }
        let outcome = try await apply(availability, item: context.parameters.get("key") ?? "", context: context)
        return try JSONEncoder().encode(
            Changed(item: outcome.itemName, availability: availability.rawValue, commit: outcome.commit?.sha),
            from: request,
            context: context
        )
    }

    /// The change, for the API and the menu page alike.
    func apply(_ availability: ItemAvailability, item: String, context: Context) async throws -> CatalogEditor.Outcome {
        let (signedIn, _) = try OrdersController<Context>.business(context)
        guard signedIn.atLeast(.manager), let tenant = signedIn.account.businessSlug else {
            throw APIError(.forbidden, code: .forbidden, message: "changing the menu is for owners and managers")
        }
        guard let editor else {
            throw APIError(
                .conflict,
                code: .catalogNotEditable,
                message: "this server has no tenant repository (TALAB_TENANT_REPO): change the menu by pull request"
            )
        }
        let author = GitRepository.Author(
            name: signedIn.account.displayName ?? signedIn.account.email,
            email: signedIn.account.email
        )
        do {
            return try await editor.setAvailability(availability, item: item, tenant: tenant, author: author)
        } catch let refusal as CatalogEditor.Refusal {
            throw APIError(
                refusal.code == .unknownItem ? .notFound : .conflict,
                code: APIError.Code(refusal.code.value),
                message: refusal.message
            )
        }
    }
}

extension APIError.Code {
    public static let catalogNotEditable = APIError.Code("catalog_not_editable")
}
