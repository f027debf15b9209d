import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import TalabCore
import TalabHTTP
public import TalabStore

/// `/dashboard/…`: the pages a business works in, rendered on the server in the login's language
/// (English, French, Arabic right to left), usable without JavaScript; the board's script only
/// keeps it live. Refusals are friendly pages, not JSON.
public struct PagesController<Context: DashboardRequestContext>: Sendable {
    let renderer: PageRenderer
    let sessions: SessionsController<Context>
    let accounts: AccountsController<Context>
    let customers: CustomersController<Context>
    let orders: OrdersController<Context>
    let menu: MenuController<Context>
    let branches: BranchesController<Context>
    let pool: PostgresPool

    /// The cookie that ties the sign-in form to the browser that asked for it (login CSRF).
    static var formCookie: SessionCookie { SessionCookie(name: "talab_form") }

    init(
        renderer: PageRenderer,
        sessions: SessionsController<Context>,
        accounts: AccountsController<Context>,
        customers: CustomersController<Context>,
        orders: OrdersController<Context>,
        menu: MenuController<Context>
    ) {
        self.customers = customers
        self.renderer = renderer
        self.sessions = sessions
        self.accounts = accounts
        self.orders = orders
        self.menu = menu
        self.branches = BranchesController<Context>(pool: orders.pool)
        self.pool = orders.pool
    }

    func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        router.get("/dashboard") { _, _ in Response(status: .seeOther, headers: [.location: "/dashboard/board"]) }
        router.get("/api/v1/openapi.json") { _, _ in
            guard let document = renderer.asset("openapi.json") else {
                throw APIError(.notFound, code: .notFound, message: "no OpenAPI document")
            }
            return document
        }
        router.get("/dashboard/assets/:name") { _, context in
            guard let name = context.parameters.get("name"), let asset = renderer.asset(name) else {
                throw APIError(.notFound, code: .notFound, message: "no such file")
            }
            return asset
        }
        let open = router.group("/dashboard").add(middleware: FriendlyErrors(renderer: renderer))
        open.get("sign-in", use: signInPage)
        open.post("sign-in", use: signIn)
        open.get("join/:token", use: joinPage)
        open.post("join/:token", use: join)
        let signedIn = router.group("/dashboard")
            .add(middleware: FriendlyErrors(renderer: renderer))
            .add(middleware: authentication.forPages)
        signedIn.post("sign-out", use: signOut)
        signedIn.get("board", use: board)
        signedIn.get("board/columns", use: columns)
        signedIn.get("orders/:id", use: order)
        signedIn.post("orders/:id/status", use: move)
        signedIn.get("settings", use: settings)
        signedIn.get("menu", use: menuPage)
        signedIn.get("history", use: history)
        signedIn.post("branches/:id/operations", use: operateBranch)
        signedIn.post("items/:key/availability", use: setAvailability)
        signedIn.post("invitations", use: invite)
        signedIn.post("invitations/:id/revoke", use: revokeInvitation)
        signedIn.post("accounts/:id", use: changeLogin)
        signedIn.get("customers", use: customersPage)
        signedIn.get("customers/:id", use: customerPage)
        signedIn.get("bookings", use: bookingsPage)
    }

    // MARK: signing in and out

    @Sendable func signInPage(_ request: Request, context: Context) async throws -> Response {
        render(signIn: request, error: nil, email: "")
    }

    func render(signIn request: Request, error: String?, email: String, status: HTTPResponse.Status = .ok) -> Response {
        let language = PageRenderer.language(request, account: nil)
        let form = SessionTokens.randomToken()
        var values: [String: Any] = ["csrf": form, "email": email, "languages": languages(language)]
        if let error { values["error"] = error }
        var response = renderer.page(
            "sign-in",
            values,
            title: renderer.text(language)["sign_in"] ?? "Sign in",
            language: language,
            chrome: ["bodyClass": "plain"],
            status: status
        )
        response.headers.append(
            HTTPField(name: .setCookie, value: "talab_form=\(form); Path=/dashboard; HttpOnly; Secure; SameSite=Strict")
        )
        return response
    }

    func languages(_ current: String) -> [[String: Any]] {
        PageRenderer.languages.map { code in
            ["code": code, "name": renderer.text(code)["language"] ?? code, "current": code == current]
        }
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        let email = fields["email"] ?? ""
        guard let form = PagesController.formCookie.value(in: request), let sent = fields["_csrf"],
            DashboardAuthentication<Context>.equal(form, sent)
        else {
            return render(
                signIn: request,
                error: "The form expired. Please try again.",
                email: email,
                status: .forbidden
            )
        }
        do {
            let opened = try await sessions.open(
                email: email,
                password: fields["password"] ?? "",
                address: context.remoteAddress,
                userAgent: request.headers[.userAgent]
            )
            var headers: HTTPFields = [
                .location: opened.account.role == AccountStore.Role.admin.rawValue
                    ? "/dashboard/admin" : "/dashboard/board"
            ]
            headers.append(sessions.cookie.set(opened.token, maxAge: Int(sessions.tokens.lifetime)))
            headers.append(
                HTTPField(
                    name: .setCookie,
                    value: "talab_lang=\(opened.account.language); Path=/; Max-Age=31536000; SameSite=Lax"
                )
            )
            return Response(status: .seeOther, headers: headers)
        } catch let error as APIError {
            return render(signIn: request, error: error.message, email: email, status: error.status)
        }
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        if let signedIn = context.signedIn { try await sessions.sessions.revoke(signedIn.session) }
        return Response(
            status: .seeOther,
            headers: [.location: "/dashboard/sign-in", .setCookie: sessions.cookie.clear().value]
        )
    }

    // MARK: the board

    /// What every signed-in page needs: the login, its business's profile, its language.
    struct Frame {
        let signedIn: SignedIn
        let business: UUID
        let profile: OrderBoard.Profile
        let language: String
        let view: BoardView
    }

    /// The frame of a page; a role below `role` is refused (before anything is read) as `what` says.
    func frame(
        _ request: Request,
        _ context: Context,
        atLeast role: AccountStore.Role = .staff,
        refusal what: String = ""
    ) async throws -> Frame {
        let (signedIn, business) = try OrdersController<Context>.business(context)
        guard signedIn.atLeast(role) else { throw APIError(.forbidden, code: .forbidden, message: what) }
        let language = PageRenderer.language(request, account: signedIn.account.language)
        let profile = try await pool.withBusiness(business) { try await OrderBoard.profile(on: $0) }
        guard let profile else { throw APIError(.notFound, code: .notFound, message: "no business") }
        let view = BoardView(profile: profile, language: language, text: renderer.text(language), csrf: signedIn.csrf)
        return Frame(signedIn: signedIn, business: business, profile: profile, language: language, view: view)
    }

    func chrome(_ frame: Frame, page: String) -> [String: Any] {
        [
            "signedIn": true, "business": frame.profile.name, "csrf": frame.signedIn.csrf,
            "canSettings": frame.signedIn.atLeast(.manager), "onBoard": page == "board",
            "onSettings": page == "settings", "onMenu": page == "menu", "onHistory": page == "history",
            "onCustomers": page == "customers", "onBookings": page == "bookings",
            "takesBookings": frame.profile.takesBookings,
        ]
    }

    /// The branch shown: the login's own, else the one asked for, else all.
    func branch(_ request: Request, _ frame: Frame) -> UUID? {
        frame.signedIn.account.branchID
            ?? request.uri.queryParameters["branch"].flatMap { UUID(uuidString: String($0)) }
    }

    func boardColumns(_ request: Request, _ frame: Frame) async throws -> String {
        let branch = branch(request, frame)
        let json = try await pool.withBusiness(frame.business) { try await OrderBoard.live(branch: branch, on: $0) }
        let documents = try JSONDecoder().decode([BoardView.Document].self, from: Data(json.utf8))
        return frame.view.columnsHTML(documents)
    }

    @Sendable func board(_ request: Request, context: Context) async throws -> Response {
        if context.signedIn?.account.role == .admin {
            return Response(status: .seeOther, headers: [.location: "/dashboard/admin"])
        }
        let frame = try await frame(request, context)
        let columns = try await boardColumns(request, frame)
        let chosen = branch(request, frame)
        var values: [String: Any] = [
            "columns": columns,
            "query": chosen.map { "?branch=\($0.uuidString.lowercased())" } ?? "",
        ]
        if frame.signedIn.account.branchID == nil, frame.profile.branches.count > 1 {
            values["branchChoice"] = true
            values["branches"] = frame.profile.branches.map { branch in
                ["id": branch.id.uuidString.lowercased(), "name": branch.name, "selected": branch.id == chosen]
            }
        }
        var chrome = chrome(frame, page: "board")
        chrome["script"] = "board.js"
        return renderer.page(
            "board",
            values,
            title: frame.view.text["board"] ?? "Orders",
            language: frame.language,
            chrome: chrome
        )
    }

    @Sendable func columns(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context)
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: try await boardColumns(request, frame)))
        )
    }

    @Sendable func order(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context)
        let id = try OrdersController<Context>.id(context)
        let found = try await pool.withBusiness(frame.business) { try await OrderBoard.order(id, on: $0) }
        guard let found, OrdersController<Context>.visible(found.branch, to: frame.signedIn),
            let document = try? JSONDecoder().decode(BoardView.Document.self, from: Data(found.document.utf8))
        else { throw APIError(.notFound, code: .notFound, message: "no order \(id.lowercasedText)") }
        var values = frame.view.order(document)
        let placed = Timestamp.parse(document.order.created_at) ?? Date()
        let phone = document.customer?.phone_number
        let userID = document.customer?.whatsapp_user_id
        let (messages, customer, previous) = try await pool.withBusiness(frame.business) { connection in
            (
                try await OrderHistory.conversation(phone: phone, userID: userID, around: placed, on: connection),
                try await CustomerDirectory.customer(phone: phone, userID: userID, on: connection),
                try await OrderHistory.customer(phone: phone, userID: userID, before: placed, limit: 5, on: connection)
            )
        }
        let earlier = try JSONDecoder().decode([BoardView.Document].self, from: Data(previous.documents.utf8))
        if let customer, !earlier.isEmpty {
            // A regular: who they are to the business, and what they ordered before this one.
            var regular = customerRow(.init(customer, currency: frame.profile.currency), frame.view)
            regular["rows"] = frame.view.historyRowsHTML(earlier)
            if frame.signedIn.atLeast(.manager) { regular["link"] = true }
            values["regular"] = regular
        }
        values["hasMessages"] = !messages.isEmpty
        values["messages"] = messages.map { message in
            [
                "at": frame.view.local(message.at) ?? "", "inbound": message.inbound, "text": message.text,
            ] as [String: Any]
        }
        return renderer.page(
            "order",
            values,
            title: "\(frame.view.text["order"] ?? "Order") #\(values["ref"] ?? "")",
            language: frame.language,
            chrome: chrome(frame, page: "order")
        )
    }

    @Sendable func move(_ request: Request, context: Context) async throws -> Response {
        let (signedIn, business) = try OrdersController<Context>.business(context)
        let id = try OrdersController<Context>.id(context)
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
        let move = OrdersController<Context>.Move(
            status: fields["status"] ?? "",
            preparation_minutes: fields["preparation_minutes"].flatMap { Int($0) },
            reason: fields["reason"]
        )
        _ = try await orders.apply(move, to: id, signedIn: signedIn, business: business)
        return Response(status: .seeOther, headers: [.location: "/dashboard/board"])
    }

    // MARK: settings

    @Sendable func settings(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(
            request,
            context,
            atLeast: .manager,
            refusal: "settings are for owners and managers"
        )
        var notes: [String: Any] = [:]
        if request.uri.queryParameters["saved"] != nil { notes["done"] = frame.view.text["changed"] ?? "" }
        return try await settingsPage(frame, notes)
    }

    /// The settings page; `notes` adds what the last form did (`done`, `error`, a new invitation's `link`).
    func settingsPage(
        _ frame: Frame,
        _ notes: [String: Any] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let owner = frame.signedIn.atLeast(.owner)
        let (logins, invitations) = try await pool.withBusiness(frame.business) { connection in
            (
                try await AccountStore.list(on: connection),
                owner ? try await Invitations.list(on: connection) : []
            )
        }
        let text = frame.view.text
        let csrf = frame.signedIn.csrf
        let branchViews = BranchesController<Context>.views(frame.profile)
        let branches: [[String: Any]] = branchViews.map { branch in
            [
                "id": branch.id, "key": branch.key, "name": branch.name,
                "paused": branch.paused, "csrf": csrf,
                "state": branch.paused ? text["paused_now"] ?? "" : text["open_now"] ?? "",
                "busyChoices": [0, 10, 20, 30, 45, 60].map { ["minutes": $0, "selected": $0 == branch.busy_minutes] },
            ]
        }
        func roleName(_ role: AccountStore.Role) -> String { text["role_\(role.rawValue)"] ?? role.rawValue }
        func roles(_ chosen: AccountStore.Role) -> [[String: Any]] {
            [AccountStore.Role.staff, .manager, .owner].map { role in
                ["value": role.rawValue, "label": roleName(role), "selected": role == chosen]
            }
        }
        func branchChoices(_ chosen: String?) -> [[String: Any]] {
            [["key": "", "name": text["all_branches"] ?? "", "selected": chosen == nil]]
                + frame.profile.branches.map { ["key": $0.key, "name": $0.name, "selected": $0.key == chosen] }
        }
        var values: [String: Any] = [
            "branches": branches, "csrf": csrf, "canInvite": owner, "hasInvitations": !invitations.isEmpty,
            "inviteRoles": roles(.staff), "inviteBranches": branchChoices(nil),
            "logins": logins.map { login -> [String: Any] in
                let isSelf = login.id == frame.signedIn.account.id
                var row: [String: Any] = [
                    "id": login.id.uuidString.lowercased(), "email": login.email,
                    "roleName": roleName(login.role), "branch": login.branchKey ?? "", "self": isSelf,
                    "manageable": owner && !isSelf, "roles": roles(login.role),
                    "branchChoices": branchChoices(login.branchKey), "disabled": login.disabled, "csrf": csrf,
                    "state": login.disabled ? text["disabled"] ?? "" : text["enabled"] ?? "",
                ]
                row["name"] = login.displayName
                return row
            },
            "invitations": invitations.map { invitation -> [String: Any] in
                let view = AccountsController<Context>.InvitationView(invitation)
                var row: [String: Any] = [
                    "id": invitation.id.uuidString.lowercased(), "email": invitation.email,
                    "roleName": roleName(invitation.role), "expires": frame.view.local(invitation.expiresAt) ?? "",
                    "open": view.state == "open", "state": text["invitation_\(view.state)"] ?? view.state, "csrf": csrf,
                ]
                row["branch"] = invitation.branchKey  // absent, not empty, when it is every branch
                return row
            },
        ]
        values.merge(notes) { _, note in note }
        return renderer.page(
            "settings",
            values,
            title: text["settings"] ?? "Settings",
            language: frame.language,
            chrome: chrome(frame, page: "settings"),
            status: status
        )
    }

    /// A form's refusal said on the settings page, in the person's language where it is known.
    func settingsRefusal(_ error: APIError, _ frame: Frame) async throws -> Response {
        let text = frame.view.text
        return try await settingsPage(frame, ["error": text[error.code.value] ?? error.message], status: error.status)
    }

    @Sendable func invite(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context, atLeast: .owner, refusal: "invitations are for owners")
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        let asked = AccountsController<Context>.Invite(
            email: fields["email"] ?? "",
            role: fields["role"] ?? "",
            branch: fields["branch"].flatMap { $0.isEmpty ? nil : $0 }
        )
        do {
            let made = try await accounts.invite(asked, context: context)
            let intro = (frame.view.text["invitation_link"] ?? "").replacingOccurrences(of: "{email}", with: made.email)
            return try await settingsPage(frame, ["link": origin(request) + (made.link ?? ""), "linkIntro": intro])
        } catch let error as APIError where error.status != .forbidden {
            return try await settingsRefusal(error, frame)
        }
    }

    /// Where this server is reached, as the browser asked for it (a link to share must be whole).
    func origin(_ request: Request) -> String {
        let host = request.head.authority ?? "localhost"
        let local = host.hasPrefix("127.") || host.hasPrefix("localhost") || host.hasPrefix("[::1]")
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? (local ? "http" : "https")
        return "\(scheme == "http" ? "http" : "https")://\(host)"
    }

    @Sendable func revokeInvitation(_ request: Request, context: Context) async throws -> Response {
        try await accounts.revoke(context.parameters.get("id") ?? "", context: context)
        return Response(status: .seeOther, headers: [.location: "/dashboard/settings?saved=1"])
    }

    @Sendable func changeLogin(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context, atLeast: .owner, refusal: "logins are managed by owners")
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        let change = AccountsController<Context>.Change(
            role: fields["role"],
            branch: fields["branch"],
            disabled: fields["disabled"].map { $0 == "true" }
        )
        do {
            _ = try await accounts.apply(change, to: context.parameters.get("id") ?? "", context: context)
            return Response(status: .seeOther, headers: [.location: "/dashboard/settings?saved=1"])
        } catch let error as APIError where error.status != .notFound && error.status != .forbidden {
            return try await settingsRefusal(error, frame)
        }
    }

    // MARK: joining by invitation

    @Sendable func joinPage(_ request: Request, context: Context) async throws -> Response {
        try await renderJoin(request, token: context.parameters.get("token") ?? "", error: nil, name: "")
    }

    func renderJoin(
        _ request: Request,
        token: String,
        error: String?,
        name: String,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = PageRenderer.language(request, account: nil)
        let text = renderer.text(language)
        let found = token.count <= 64 ? try await Invitations.find(secret: token, pool: pool) : nil
        let form = SessionTokens.randomToken()
        var values: [String: Any] = [
            "csrf": form, "token": token, "name": name, "languages": languages(language), "lang": language,
        ]
        if let (invitation, business) = found, invitation.open() {
            values["business"] = business
            values["email"] = invitation.email
            values["roleName"] = text["role_\(invitation.role.rawValue)"] ?? invitation.role.rawValue
            values["branch"] = invitation.branchKey
        } else {
            values["closed"] = true
            values["business"] = found?.1 ?? ""
        }
        if let error { values["error"] = error }
        var response = renderer.page(
            "join",
            values,
            title: text["join"] ?? "Join",
            language: language,
            chrome: ["bodyClass": "plain"],
            status: found?.0.open() == true ? status : .gone
        )
        response.headers.append(
            HTTPField(name: .setCookie, value: "talab_form=\(form); Path=/dashboard; HttpOnly; Secure; SameSite=Strict")
        )
        return response
    }

    @Sendable func join(_ request: Request, context: Context) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        let name = fields["display_name"] ?? ""
        let text = renderer.text(PageRenderer.language(request, account: nil))
        guard let form = PagesController.formCookie.value(in: request), let sent = fields["_csrf"],
            DashboardAuthentication<Context>.equal(form, sent)
        else {
            return try await renderJoin(
                request,
                token: token,
                error: "The form expired. Please try again.",
                name: name,
                status: .forbidden
            )
        }
        do {
            let opened = try await accounts.accept(
                .init(
                    token: token,
                    password: fields["password"] ?? "",
                    display_name: name,
                    language: fields["language"]
                ),
                address: context.remoteAddress,
                userAgent: request.headers[.userAgent]
            )
            var headers: HTTPFields = [.location: "/dashboard/board"]
            headers.append(sessions.cookie.set(opened.token, maxAge: Int(sessions.tokens.lifetime)))
            return Response(status: .seeOther, headers: headers)
        } catch let error as APIError {
            return try await renderJoin(
                request,
                token: token,
                error: text[error.code.value] ?? error.message,
                name: name,
                status: error.status
            )
        }
    }

    @Sendable func operateBranch(_ request: Request, context: Context) async throws -> Response {
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        let operation = BranchesController<Context>.Operation(
            pause_minutes: fields["pause_minutes"].flatMap { Int($0) },
            busy_minutes: fields["busy_minutes"].flatMap { Int($0) }
        )
        try await branches.apply(operation, branch: context.parameters.get("id") ?? "", context: context)
        return Response(status: .seeOther, headers: [.location: "/dashboard/settings"])
    }

    // MARK: history

    @Sendable func history(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context, atLeast: .manager, refusal: "history is for owners and managers")
        let query = request.uri.queryParameters["q"].map { String($0).trimmingCharacters(in: .whitespaces) }
            .flatMap { $0.isEmpty ? nil : String($0.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(40)) }
        let before = request.uri.queryParameters["before"].flatMap { Timestamp.parse(String($0)) } ?? Date()
        let page = try await pool.withBusiness(frame.business) { connection in
            try await OrderHistory.page(before: before, search: query, limit: 50, on: connection)
        }
        let documents = try JSONDecoder().decode([BoardView.Document].self, from: Data(page.documents.utf8))
        let text = frame.view.text
        var values: [String: Any] = [
            "rows": frame.view.historyRowsHTML(documents), "hasRows": !documents.isEmpty, "query": query ?? "",
        ]
        if let next = page.next { values["next"] = ISO8601DateFormatter.fractional.string(from: next) }
        return renderer.page(
            "history",
            values,
            title: text["history"] ?? "History",
            language: frame.language,
            chrome: chrome(frame, page: "history")
        )
    }

    // MARK: the menu

    @Sendable func menuPage(_ request: Request, context: Context) async throws -> Response {
        let frame = try await frame(request, context, atLeast: .manager, refusal: "the menu is for owners and managers")
        let items = try await pool.withBusiness(frame.business) { try await MenuItems.list(on: $0) }
        let text = frame.view.text
        let editable = menu.editor != nil
        var menus: [[String: Any]] = []
        for item in items {
            let row: [String: Any] = [
                "key": item.key, "name": item.name, "price": Money(item.price, frame.profile.currency).description,
                "availability": item.availability,
                "state": text["availability_\(item.availability)"] ?? item.availability,
                "available": item.availability == "available", "editable": editable, "csrf": frame.signedIn.csrf,
            ]
            if menus.last?["name"] as? String == item.menu {
                var last = menus.removeLast()
                last["items"] = (last["items"] as? [[String: Any]] ?? []) + [row]
                menus.append(last)
            } else {
                menus.append(["name": item.menu, "items": [row]])
            }
        }
        var values: [String: Any] = ["menus": menus, "editable": editable]
        if let commit = request.uri.queryParameters["saved"] {
            values["done"] = "\(text["saved"] ?? "") \(commit.prefix(12))"
        }
        return renderer.page(
            "menu",
            values,
            title: text["menu"] ?? "Menu",
            language: frame.language,
            chrome: chrome(frame, page: "menu")
        )
    }

    @Sendable func setAvailability(_ request: Request, context: Context) async throws -> Response {
        let fields = FormFields(String(buffer: try await request.body.collect(upTo: 16 * 1024)))
        guard let availability = fields["availability"].flatMap(ItemAvailability.init(rawValue:)) else {
            throw APIError(.badRequest, code: .badRequest, message: "no availability")
        }
        let outcome = try await menu.apply(availability, item: context.parameters.get("key") ?? "", context: context)
        let saved = outcome.commit.map { "?saved=\($0.sha)" } ?? ""
        return Response(status: .seeOther, headers: [.location: "/dashboard/menu" + saved])
    }
}

/// Errors on pages as a page in the person's language; the API keeps its JSON.
struct FriendlyErrors<Context: DashboardRequestContext>: RouterMiddleware {
    let renderer: PageRenderer

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            let language = PageRenderer.language(request, account: context.signedIn?.account.language)
            let text = renderer.text(language)
            let kind = error.status == .notFound ? "not_found" : error.status == .forbidden ? "forbidden" : "error"
            return renderer.page(
                "message",
                ["heading": text["\(kind)_title"] ?? "", "text": text["\(kind)_text"] ?? ""],
                title: text["\(kind)_title"] ?? "",
                language: language,
                chrome: context.signedIn == nil ? [:] : ["signedIn": true, "csrf": context.signedIn?.csrf ?? ""],
                status: error.status
            )
        }
    }
}
