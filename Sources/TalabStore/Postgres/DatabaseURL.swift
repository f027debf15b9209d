import Foundation

/// Where and how to connect to PostgreSQL, parsed from a `postgres://` URL.
///
/// The password is kept for libpq but never printed: `description` and `redacted` replace it with `***`.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// libpq `sslmode`: disable, allow, prefer, require, verify-ca or verify-full.
    public var sslMode: String?
    /// Seconds libpq waits for a connection before giving up.
    public var connectTimeoutSeconds: Int
    public var applicationName: String

    static let sslModes: Set<String> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
    static let queryParameters: Set<String> = ["sslmode", "connect_timeout", "application_name"]

    public init(
        host: String,
        port: Int = 5432,
        user: String,
        password: String? = nil,
        database: String,
        sslMode: String? = nil,
        connectTimeoutSeconds: Int = 5,
        applicationName: String = "talab"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…&connect_timeout=…&application_name=…`.
    ///
    /// Errors never contain the password, even when the URL is malformed.
    public init(_ string: String) throws(PostgresError) {
        func invalid(_ why: String) -> PostgresError {
            PostgresError(.invalidURL, "invalid database URL \(DatabaseURL.redact(string)): \(why)")
        }
        guard let components = URLComponents(string: string) else {
            throw invalid("not a URL")
        }
        guard let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw invalid("no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw invalid("no user name")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw invalid("the path must name one database, as in /talab")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw invalid("port \(port) is out of range")
        }
        self.init(
            host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host,
            port: port,
            user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database
        )
        for item in components.queryItems ?? [] {
            guard DatabaseURL.queryParameters.contains(item.name) else {
                throw invalid(
                    "unknown parameter '\(item.name)' (known: \(DatabaseURL.queryParameters.sorted().joined(separator: ", ")))"
                )
            }
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard DatabaseURL.sslModes.contains(value) else {
                    throw invalid(
                        "sslmode '\(value)' is not one of \(DatabaseURL.sslModes.sorted().joined(separator: ", "))"
                    )
                }
                sslMode = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw invalid("connect_timeout must be a positive number of seconds")
                }
                connectTimeoutSeconds = seconds
            default:
                applicationName = value
            }
        }
    }

    /// The URL with its password replaced by `***`: safe for logs, errors and terminals.
    public var redacted: String { render(password: password == nil ? nil : "***") }

    public var description: String { redacted }

    /// The full URL, password included, for handing to another program such as `psql`.
    public var unredacted: String { render(password: password) }

    /// The same server and credentials, another database.
    public func database(_ name: String) -> DatabaseURL {
        var copy = self
        copy.database = name
        return copy
    }

    private func render(password: String?) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.path = "/" + database
        var items: [URLQueryItem] = []
        if let sslMode { items.append(URLQueryItem(name: "sslmode", value: sslMode)) }
        if connectTimeoutSeconds != 5 {
            items.append(URLQueryItem(name: "connect_timeout", value: String(connectTimeoutSeconds)))
        }
        if applicationName != "talab" {
            items.append(URLQueryItem(name: "application_name", value: applicationName))
        }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// Hides whatever stands between `user:` and `@` in a URL-like string that may not parse.
    static func redact(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://"),
            let at = string[schemeEnd.upperBound...].lastIndex(of: "@")
        else { return string }
        let userInfo = string[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return string }
        return String(string[..<colon]) + ":***" + String(string[at...])
    }

    /// libpq keywords and values for `PQconnectdbParams`.
    var connectionParameters: [(String, String)] {
        var parameters: [(String, String)] = [
            ("host", host),
            ("port", String(port)),
            ("user", user),
            ("dbname", database),
            ("connect_timeout", String(connectTimeoutSeconds)),
            ("application_name", applicationName),
            ("client_encoding", "UTF8"),
            // Text results are decoded by our own code: fix the formats it reads.
            ("options", "-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=postgres -c extra_float_digits=3"),
        ]
        if let password { parameters.append(("password", password)) }
        if let sslMode { parameters.append(("sslmode", sslMode)) }
        return parameters
    }
}
