import TalabCore

/// One tenant's folder: its files parsed, decoded and checked against each other.
struct TenantFolder {
    let slug: String
    let files: [ConfigFile]
    let parser: YAMLParser
    private(set) var diagnostics: [Diagnostic] = []
    /// Where each part of the tenant is written, gathered from its files.
    private var sources = SourceMap()

    init(slug: String, files: [ConfigFile], parser: YAMLParser) {
        self.slug = slug
        self.files = files
        self.parser = parser
    }

    var prefix: String { "\(TenantLoader.folder)/\(slug)/" }

    mutating func load() -> TenantConfig? {
        let businessPath = prefix + "business.yaml"
        if slug.count < 2 || slug.count > 40 || !FileReader.isKey(slug) {
            report(
                businessPath,
                "invalid_slug",
                "the folder name '\(slug)' is the business's slug: 2 to 40 lowercase letters, digits and hyphens"
            )
            // Go on: the files' own errors are worth reporting in the same run.
        }
        let relative = Set(files.map { String($0.path.dropFirst(prefix.count)) })
        var menuFiles: [(key: String, file: ConfigFile)] = []
        var branchFiles: [(key: String, file: ConfigFile)] = []
        var businessFile: ConfigFile?
        for file in files {
            let path = String(file.path.dropFirst(prefix.count))
            let parts = path.split(separator: "/")
            if file.isSymbolicLink {
                report(
                    file.path,
                    "symbolic_link",
                    "a symbolic link (to \(String(decoding: file.bytes.prefix(200), as: UTF8.self))) is not allowed in "
                        + "a tenant folder: commit the file itself"
                )
            } else if path == "business.yaml" {
                businessFile = file
            } else if parts.count == 2, parts[0] == "menus" || parts[0] == "branches", path.hasSuffix(".yaml") {
                let key = String(parts[1].dropLast(5))
                guard FileReader.isKey(key) else {
                    report(
                        file.path,
                        "invalid_key",
                        "the file name '\(parts[1])' is the key: lowercase letters, digits and hyphens"
                    )
                    continue
                }
                if parts[0] == "menus" { menuFiles.append((key, file)) } else { branchFiles.append((key, file)) }
            } else if path.hasSuffix(".yml") {
                report(file.path, "wrong_extension", "tenant files end in .yaml, not .yml")
            } else if parts.first != "images" && path != "README.md" {
                report(
                    file.path,
                    "unexpected_file",
                    "not a tenant file (business.yaml, branches/*.yaml, menus/*.yaml, images/…); it is ignored",
                    severity: .warning
                )
            }
        }
        guard let businessFile else {
            report(businessPath, "missing_file", "every tenant folder needs a business.yaml")
            return nil
        }
        let menuKeys = Set(menuFiles.map(\.key))
        let business: BusinessConfig? = decode(businessFile, relative, menuKeys) { reader, root in reader.business(root)
        }
        let branches = branchFiles.compactMap { entry in
            decode(entry.file, relative, menuKeys) { reader, root in reader.branch(root, key: entry.key) }
        }
        let menus = menuFiles.compactMap { entry in
            decode(entry.file, relative, menuKeys) { reader, root in reader.menu(root, key: entry.key) }
        }
        checkRenames(menus)
        guard let business else { return nil }
        var tenant = TenantConfig(slug: slug, business: business, branches: branches, menus: menus)
        tenant.sources = sources
        let named = tenant.imagePaths
        for file in files where !file.isSymbolicLink {
            let path = String(file.path.dropFirst(prefix.count))
            guard named.contains(path) else { continue }
            tenant.images[path] = TenantImage(
                path: path,
                blobID: GitRepository.blobID(of: file.bytes),
                bytes: file.bytes
            )
        }
        return tenant
    }

    private mutating func decode<Value>(
        _ file: ConfigFile,
        _ tenantFiles: Set<String>,
        _ menuKeys: Set<String>,
        _ body: (FileReader, YAMLNode) -> Value?
    ) -> Value? {
        let document: YAMLParser.Document
        do {
            document = try parser.parse(file.bytes)
        } catch {
            diagnostics.append(
                Diagnostic(
                    file: file.path,
                    line: error.mark.line,
                    column: error.mark.column,
                    severity: .error,
                    code: error.code,
                    message: error.message
                )
            )
            return nil
        }
        for problem in document.problems {
            diagnostics.append(
                Diagnostic(
                    file: file.path,
                    line: problem.mark.line,
                    column: problem.mark.column,
                    severity: .error,
                    code: problem.code,
                    message: problem.message
                )
            )
        }
        guard let root = document.root, !root.isNull else {
            report(file.path, "empty_file", "the file is empty")
            return nil
        }
        let reader = FileReader(file: file.path, tenantFiles: tenantFiles, menuKeys: menuKeys)
        let value = body(reader, root)
        diagnostics += reader.diagnostics
        if value != nil {
            for repeated in sources.merge(reader.sources) {
                guard case .item(let key) = repeated.part else { continue }
                report(repeated.again, "duplicate_key", "item key '\(key)' is already used at \(repeated.first)")
            }
        }
        return value
    }

    /// A rename may not take a key that is in use, nor one another item renames (keys used twice
    /// were reported as the files were read).
    private mutating func checkRenames(_ menus: [MenuConfig]) {
        var renamedFrom: [String: SourceLocation] = [:]
        for item in menus.flatMap(\.items) {
            // Renaming from its own key is reported where the item is read.
            guard let old = item.renamedFrom, old != item.key, let source = sources[.item(item.key)] else { continue }
            if let holder = sources[.item(old)] {
                report(
                    source,
                    "rename_collision",
                    "renamed_from '\(old)' is still the key of the item at \(holder); an old key must be free"
                )
            } else if let earlier = renamedFrom[old] {
                report(source, "rename_collision", "'\(old)' is already renamed by the item at \(earlier)")
            } else {
                renamedFrom[old] = source
            }
        }
    }

    private mutating func report(
        _ file: String,
        _ code: String,
        _ message: String,
        severity: Diagnostic.Severity = .error
    ) {
        diagnostics.append(Diagnostic(file: file, line: 1, column: 1, severity: severity, code: code, message: message))
    }

    private mutating func report(_ source: SourceLocation, _ code: String, _ message: String) {
        diagnostics.append(
            Diagnostic(
                file: source.file,
                line: source.line,
                column: source.column,
                severity: .error,
                code: code,
                message: message
            )
        )
    }
}
