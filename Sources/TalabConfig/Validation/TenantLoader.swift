import Dispatch
import Synchronization
public import TalabCore

/// What validating the tenant repository found: the tenants that decoded, and every diagnostic.
public struct TenantValidation: Sendable {
    public let tenants: [TenantConfig]
    /// Sorted by file, line and column.
    public let diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }

    /// `3 tenants, 4 branches, 5 menus, 61 items: 0 errors, 1 warning`
    public var summary: String {
        let branches = tenants.reduce(0) { $0 + $1.branches.count }
        let menus = tenants.reduce(0) { $0 + $1.menus.count }
        let items = tenants.reduce(0) { $0 + $1.itemCount }
        let errorCount = errors.count
        let warningCount = diagnostics.count - errorCount
        return
            "\(plural(tenants.count, "tenant")), \(plural(branches, "branch", "branches")), \(plural(menus, "menu")), "
            + "\(plural(items, "item")): \(plural(errorCount, "error")), \(plural(warningCount, "warning"))"
    }

    private func plural(_ count: Int, _ one: String, _ many: String? = nil) -> String {
        "\(count) \(count == 1 ? one : many ?? one + "s")"
    }
}

/// Why validation could not even start: no tenants, or a tenant asked for that does not exist.
public struct TenantSourceError: Error, Sendable, CustomStringConvertible {
    /// A stable code, for programs: its text (`unknown_tenant`) is what messages carry.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String { value }
        /// The source has no tenant folder at all.
        public static let noTenants = Code(value: "no_tenants")
        /// A tenant asked for by name has no folder.
        public static let unknownTenant = Code(value: "unknown_tenant")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Reads every tenant folder under `Tenants/` from a source and validates it, all errors at once.
public struct TenantLoader: Sendable {
    public static let folder = "Tenants"
    public var parser = YAMLParser()

    public init() {}

    /// Validates the tenants of `source`, or only those named in `slugs`.
    public func load(from source: any ConfigSource, only slugs: Set<String> = []) throws -> TenantValidation {
        // A few tenants are read folder by folder; all of them, in one walk of the tree.
        var files: [ConfigFile] = []
        if slugs.isEmpty || slugs.count > 50 {
            files = try source.files(under: TenantLoader.folder)
        } else {
            for slug in slugs.sorted() {
                let folder = try source.files(under: "\(TenantLoader.folder)/\(slug)")
                guard !folder.isEmpty else {
                    throw TenantSourceError(
                        .unknownTenant,
                        message: "no tenant '\(slug)' under \(TenantLoader.folder)/ in \(source.label)"
                    )
                }
                files += folder
            }
        }
        var folders: [String: [ConfigFile]] = [:]
        for file in files {
            let parts = file.path.split(separator: "/", maxSplits: 2)
            guard parts.count == 3 else { continue }
            folders[String(parts[1]), default: []].append(file)
        }
        guard !folders.isEmpty else {
            throw TenantSourceError(.noTenants, message: "no tenants under \(TenantLoader.folder)/ in \(source.label)")
        }
        if let missing = slugs.subtracting(folders.keys).sorted().first {
            throw TenantSourceError(
                .unknownTenant,
                message: "no tenant '\(missing)' under \(TenantLoader.folder)/ in \(source.label)"
            )
        }
        let selected = folders.keys.sorted().filter { slugs.isEmpty || slugs.contains($0) }
        let filesBySlug = folders
        // Tenants do not depend on each other until the cross-tenant checks: read them on every core.
        let results = Results(count: selected.count)
        let parser = parser
        DispatchQueue.concurrentPerform(iterations: selected.count) { index in
            var tenant = TenantFolder(slug: selected[index], files: filesBySlug[selected[index]] ?? [], parser: parser)
            let config = tenant.load()
            results.slots.withLock { $0[index] = (config, tenant.diagnostics) }
        }
        let loaded = results.slots.withLock { $0 }
        let tenants = loaded.compactMap { $0?.config }
        var diagnostics = loaded.flatMap { $0?.diagnostics ?? [] }
        diagnostics += TenantLoader.phoneNumberIDClashes(tenants)
        return TenantValidation(tenants: tenants, diagnostics: diagnostics.sorted())
    }

    /// What each tenant folder came to, in the order of the folders.
    private final class Results: Sendable {
        let slots: Mutex<[(config: TenantConfig?, diagnostics: [Diagnostic])?]>

        init(count: Int) {
            slots = Mutex(Array(repeating: nil, count: count))
        }
    }

    /// `phone_number_id` routes an incoming message to one business or branch: it must be unique everywhere.
    static func phoneNumberIDClashes(_ tenants: [TenantConfig]) -> [Diagnostic] {
        var first: [String: SourceLocation] = [:]
        var clashes: [Diagnostic] = []
        let numbers = tenants.sorted { $0.slug < $1.slug }.flatMap { tenant in
            let owners: [(String?, WhatsAppConfig?)] =
                [(nil, tenant.business.whatsapp)]
                + tenant.branches.sorted { $0.key < $1.key }.map { ($0.key, $0.whatsapp) }
            return owners.compactMap { branch, number -> (WhatsAppConfig, SourceLocation)? in
                guard let number, let source = tenant.sources[.whatsappNumber(branch: branch)] else { return nil }
                return (number, source)
            }
        }
        // Tenants in slug order, each business's own number before its branches': the first holder keeps it.
        for (number, source) in numbers {
            if let earlier = first[number.phoneNumberID] {
                clashes.append(
                    Diagnostic(
                        file: source.file,
                        line: source.line,
                        column: source.column,
                        severity: .error,
                        code: "duplicate_phone_number_id",
                        message: "phone_number_id \(number.phoneNumberID) is already used by \(earlier); "
                            + "each WhatsApp number belongs to one business or branch"
                    )
                )
            } else {
                first[number.phoneNumberID] = source
            }
        }
        return clashes
    }
}
