public import Foundation
import HTTPTypes
public import Hummingbird
import Mustache
import NIOCore

/// The dashboard's HTML: Mustache templates, the interface strings in English, French and Arabic
/// (right to left), and the static assets, all read once from the module's resources.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let strings: [String: [String: String]]
    let assets: [String: (type: String, bytes: ByteBuffer)]

    public static let languages = ["en", "fr", "ar"]

    public struct ResourceError: Error, CustomStringConvertible {
        public let description: String
    }

    public init() async throws {
        guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ResourceError(description: "the dashboard's resources are missing")
        }
        library = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
        let data = try Data(contentsOf: resources.appendingPathComponent("Strings.json"))
        strings = try JSONDecoder().decode([String: [String: String]].self, from: data)
        var assets: [String: (String, ByteBuffer)] = [:]
        for (name, type) in [("app.css", "text/css; charset=utf-8"), ("board.js", "text/javascript; charset=utf-8")] {
            let bytes = try Data(contentsOf: resources.appendingPathComponent("Static").appendingPathComponent(name))
            assets[name] = (type, ByteBuffer(bytes: bytes))
        }
        // The API's OpenAPI document, served as it is.
        let openAPI = try Data(contentsOf: resources.appendingPathComponent("openapi.json"))
        assets["openapi.json"] = ("application/json; charset=utf-8", ByteBuffer(bytes: openAPI))
        self.assets = assets
    }

    /// The interface strings of `language`.
    func text(_ language: String) -> [String: String] { strings[language] ?? strings["en"] ?? [:] }

    /// The language a page is shown in: `?lang=`, else the `talab_lang` cookie, else the login's,
    /// else the browser's first known one, else English.
    static func language(_ request: Request, account: String?) -> String {
        if let asked = request.uri.queryParameters["lang"].map(String.init), languages.contains(asked) { return asked }
        if let cookie = SessionCookie(name: "talab_lang").value(in: request), languages.contains(cookie) {
            return cookie
        }
        if let account, languages.contains(account) { return account }
        let accepted = request.headers[.acceptLanguage] ?? ""
        for part in accepted.split(separator: ",") {
            let code = String(part.prefix(2)).lowercased()
            if languages.contains(code) { return code }
        }
        return "en"
    }

    /// A whole page: `template` rendered with `values`, inside the layout.
    func page(
        _ template: String,
        _ values: [String: Any],
        title: String,
        language: String,
        chrome: [String: Any] = [:],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let t = text(language)
        var inner = values
        inner["t"] = t
        let content = library.render(inner, withTemplate: template) ?? ""
        var layout = chrome
        layout["t"] = t
        layout["lang"] = language
        layout["title"] = title
        layout["content"] = content
        layout["languages"] = PageRenderer.languages.map { code in
            ["code": code, "name": text(code)["language"] ?? code, "current": code == language] as [String: Any]
        }
        let html = library.render(layout, withTemplate: "page") ?? ""
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        headers.append(
            HTTPField(name: .setCookie, value: "talab_lang=\(language); Path=/; Max-Age=31536000; SameSite=Lax")
        )
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        return Response(
            status: .ok,
            headers: [.contentType: asset.type, .cacheControl: "public, max-age=300"],
            body: ResponseBody(byteBuffer: asset.bytes)
        )
    }
}
