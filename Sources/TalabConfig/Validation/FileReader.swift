import Foundation
import TalabCore

/// Decodes the YAML nodes of one file into typed values, reporting every problem with its position.
///
/// Each accessor returns nil after reporting a diagnostic, so decoding goes on and one run reports
/// every error of every file.
final class FileReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Where each part this file describes is written.
    private(set) var sources = SourceMap()
    /// The branch whose file this is; nil for the business's file and menus.
    var branchKey: String?
    /// The tenant's files, by path inside its folder (`images/logo.jpg`), for checking references.
    let tenantFiles: Set<String>
    /// The keys of the tenant's menus, for checking what branches serve.
    let menuKeys: Set<String>

    init(file: String, tenantFiles: Set<String> = [], menuKeys: Set<String> = []) {
        self.file = file
        self.tenantFiles = tenantFiles
        self.menuKeys = menuKeys
    }

    /// A path to a file of the tenant, such as `images/shawarma.jpg`, that must exist at this commit.
    func imagePath(_ node: YAMLNode, _ what: String) -> String? {
        guard let value = text(node, what) else { return nil }
        guard !value.hasPrefix("/"), !value.split(separator: "/").contains("..") else {
            error(node.mark, "invalid_path", "\(what) is a path inside the tenant folder, like images/logo.jpg")
            return nil
        }
        guard tenantFiles.contains(value) else {
            error(node.mark, "missing_file", "\(what) '\(value)' does not exist in this tenant's folder")
            return nil
        }
        return value
    }

    func error(_ mark: SourceMark, _ code: String, _ message: String) {
        diagnostics.append(
            Diagnostic(file: file, line: mark.line, column: mark.column, severity: .error, code: code, message: message)
        )
    }

    func warning(_ mark: SourceMark, _ code: String, _ message: String) {
        diagnostics.append(
            Diagnostic(
                file: file,
                line: mark.line,
                column: mark.column,
                severity: .warning,
                code: code,
                message: message
            )
        )
    }

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.mark.line, column: node.mark.column)
    }

    /// Notes where a part is written; returns where it was written before, if it was.
    @discardableResult
    func record(_ part: SourceMap.Part, _ node: YAMLNode) -> SourceLocation? {
        sources.record(part, at: location(node))
    }

    // MARK: Mappings

    /// The fields of a mapping, after checking its keys against what `what` may hold.
    func fields(_ node: YAMLNode, _ what: String, allowed: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let pairs) = node.kind else {
            error(node.mark, "wrong_type", "\(what) must be a mapping of keys to values, got \(node.kindDescription)")
            return nil
        }
        // Tenant mappings hold a handful of keys: a small array beats a dictionary's hashing here.
        var values: [(key: String, value: YAMLNode)] = []
        values.reserveCapacity(pairs.count)
        for pair in pairs {
            guard case .scalar(let key, _) = pair.key.kind else {
                error(pair.key.mark, "wrong_type", "keys in \(what) are plain words, not \(pair.key.kindDescription)")
                continue
            }
            guard allowed.contains(key) else {
                var hint = Suggestion.closest(to: key, among: allowed).map { "; did you mean '\($0)'?" } ?? ""
                if hint.isEmpty, key.contains(" ") {
                    hint = "; a comma inside { … } starts a new entry, so quote text that holds a comma"
                }
                error(pair.key.mark, "unknown_key", "unknown key '\(key)' in \(what)\(hint)")
                continue
            }
            // A repeated key was reported by the parser; lookups take the first, as YAML tools do.
            values.append((key, pair.value))
        }
        let fields = Fields(node: node, entries: values)
        for key in required {
            if let value = fields.values[key] {
                if value.isNull { error(value.mark, "empty_value", "\(key) is empty") }
            } else {
                error(node.mark, "missing_key", "\(what) needs '\(key)'")
            }
        }
        return fields
    }

    func list(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        if node.isNull { return [] }
        guard case .sequence(let items) = node.kind else {
            error(node.mark, "wrong_type", "\(what) must be a list, got \(node.kindDescription)")
            return nil
        }
        return items
    }

    // MARK: Scalars

    /// Text, in any quoting. Warns where a plain word would mean something else to YAML 1.1 tools.
    func text(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let value, let plain) = node.kind else {
            error(node.mark, "wrong_type", "\(what) must be text, got \(node.kindDescription)")
            return nil
        }
        guard !node.isNull, value.utf8.contains(where: { $0 != 32 && $0 != 9 }) else {
            error(node.mark, "empty_value", "\(what) is empty")
            return nil
        }
        if plain, FileReader.yaml11Booleans.contains(value) {
            warning(
                node.mark,
                "yaml11_ambiguous",
                "\(what) '\(value)' is text here, but YAML 1.1 tools read it as a boolean; quote it: \"\(value)\""
            )
        }
        return value
    }

    /// The largest amount a `numeric(10,2)` column holds.
    static let largestAmount = Decimal(sign: .plus, exponent: -2, significand: 9_999_999_999)

    static let yaml11Booleans: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
    ]

    func texts(_ node: YAMLNode, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        return items.compactMap { text($0, "each of \(what)") }
    }

    func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        if case .scalar(let value, plain: true) = node.kind {
            switch value {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        if case .scalar(let value, _) = node.kind, FileReader.yaml11Booleans.contains(value) {
            error(node.mark, "not_a_boolean", "\(what) must be true or false; '\(value)' is not a boolean here")
        } else {
            error(node.mark, "not_a_boolean", "\(what) must be true or false")
        }
        return nil
    }

    func integer(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let value, _) = node.kind, !node.isNull else {
            error(node.mark, "not_an_integer", "\(what) must be a whole number, got \(node.kindDescription)")
            return nil
        }
        guard TextShape.isInteger(value), let number = Int(value) else {
            let why =
                TextShape.hasLeadingZero(value)
                ? "leading zeros are not allowed (YAML 1.1 reads \(value) as an octal number)"
                : "'\(value)' is not a whole number written in digits"
            error(node.mark, "not_an_integer", "\(what) must be a whole number: \(why)")
            return nil
        }
        guard range.contains(number) else {
            error(
                node.mark,
                "out_of_range",
                "\(what) must be between \(range.lowerBound) and \(range.upperBound), got \(number)"
            )
            return nil
        }
        return number
    }

    /// An exact decimal written in digits (`4.50`, `"4.50"`), never through a binary float.
    func decimal(_ node: YAMLNode, _ what: String, maxPlaces: Int, allowNegative: Bool = false) -> Decimal? {
        guard case .scalar(let value, _) = node.kind, !node.isNull else {
            error(node.mark, "not_a_number", "\(what) must be a number, got \(node.kindDescription)")
            return nil
        }
        guard TextShape.isDecimal(value), let number = TextShape.decimal(value)
        else {
            error(node.mark, "not_a_number", "\(what) must be a number written in digits, like 4.50; got '\(value)'")
            return nil
        }
        if !allowNegative && value.hasPrefix("-") {
            error(node.mark, "negative", "\(what) cannot be negative, got \(value)")
            return nil
        }
        if TextShape.decimalPlaces(value) > maxPlaces {
            error(node.mark, "too_many_decimals", "\(what) must have at most \(maxPlaces) decimal places, got \(value)")
            return nil
        }
        return number
    }

    func money(_ node: YAMLNode, _ what: String) -> Decimal? {
        guard let amount = decimal(node, what, maxPlaces: 2) else { return nil }
        guard amount <= FileReader.largestAmount else {
            error(node.mark, "out_of_range", "\(what) must be below 100,000,000")
            return nil
        }
        return amount
    }

    func time(_ node: YAMLNode, _ what: String, allowEndOfDay: Bool) -> TimeOfDay? {
        guard case .scalar(let value, _) = node.kind, !node.isNull else {
            error(node.mark, "invalid_time", "\(what) must be a time like \"08:30\", got \(node.kindDescription)")
            return nil
        }
        guard let time = TimeOfDay(value) else {
            error(node.mark, "invalid_time", "\(what) must be a time as HH:MM between 00:00 and 24:00, got '\(value)'")
            return nil
        }
        if time.minutes == 24 * 60 && !allowEndOfDay {
            error(node.mark, "invalid_time", "\(what) cannot be 24:00; only a closing time may be 24:00")
            return nil
        }
        return time
    }

    func oneOf<Value: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, _ type: Value.Type) -> Value?
    where Value.RawValue == String {
        guard case .scalar(let value, _) = node.kind, !node.isNull else {
            error(
                node.mark,
                "invalid_value",
                "\(what) must be one of \(FileReader.choices(type)), got \(node.kindDescription)"
            )
            return nil
        }
        if let match = Value(rawValue: value) { return match }
        let hint =
            Suggestion.closest(to: value, among: Value.allCases.map(\.rawValue)).map { "; did you mean '\($0)'?" } ?? ""
        error(node.mark, "invalid_value", "\(what) must be one of \(FileReader.choices(type)), got '\(value)'\(hint)")
        return nil
    }

    static func choices<Value: RawRepresentable & CaseIterable>(_ type: Value.Type) -> String
    where Value.RawValue == String {
        type.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// A stable key as owners write them: lowercase letters, digits and hyphens.
    func key(_ node: YAMLNode, _ what: String) -> String? {
        guard let value = text(node, what) else { return nil }
        guard FileReader.isKey(value) else {
            error(
                node.mark,
                "invalid_key",
                "\(what) '\(value)' must be lowercase letters, digits and hyphens, starting and ending with a letter or digit"
            )
            return nil
        }
        return value
    }

    /// A WhatsApp message template's name: lowercase letters, digits and underscores, at most 512.
    func templateName(_ node: YAMLNode, _ what: String) -> String? {
        guard let value = text(node, what) else { return nil }
        let allowed = value.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
        guard allowed, value.utf8.count <= 512 else {
            error(
                node.mark,
                "invalid_template_name",
                "\(what) '\(value)' must be a WhatsApp template name: lowercase letters, digits and underscores"
            )
            return nil
        }
        return value
    }

    static func isKey(_ value: String) -> Bool {
        TextShape.isKey(value)
    }

    func phoneNumber(_ node: YAMLNode, _ what: String) -> String? {
        if case .scalar(let value, plain: true) = node.kind, TextShape.isBareNumber(value), !value.hasPrefix("+") {
            error(
                node.mark,
                "invalid_phone",
                "\(what) must be in E.164 form with its country code, like \"+9611234567\""
            )
            return nil
        }
        guard let value = text(node, what) else { return nil }
        guard TextShape.isE164(value) else {
            error(node.mark, "invalid_phone", "\(what) must be in E.164 form, like \"+9611234567\", got '\(value)'")
            return nil
        }
        return value
    }

    func email(_ node: YAMLNode, _ what: String) -> String? {
        guard let value = text(node, what) else { return nil }
        guard TextShape.isEmail(value) else {
            error(node.mark, "invalid_email", "\(what) '\(value)' is not an email address")
            return nil
        }
        return value
    }

    /// A calendar date `YYYY-MM-DD` that exists.
    func date(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let value, _) = node.kind, !node.isNull else {
            error(node.mark, "invalid_date", "\(what) must be a date like 2026-12-25")
            return nil
        }
        guard let (year, month, day) = TextShape.dateParts(value), (1...12).contains(month),
            (1...FileReader.days(inMonth: month, year: year)).contains(day)
        else {
            error(node.mark, "invalid_date", "\(what) must be a real date written YYYY-MM-DD, got '\(value)'")
            return nil
        }
        return value
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// A secret named by reference, `{ env: NAME }`. A literal is refused without repeating it.
    func secret(_ node: YAMLNode, _ what: String) -> SecretReference? {
        guard case .mapping = node.kind else {
            error(
                node.mark,
                "literal_secret",
                "\(what) must name where the secret lives, like { env: ABU_SALIM_WA_TOKEN }; never write a token in git"
            )
            return nil
        }
        guard let fields = fields(node, what, allowed: ["env"], required: ["env"]),
            let name = fields["env"].flatMap({ text($0, "the environment variable's name") })
        else { return nil }
        guard TextShape.isEnvironmentName(name) else {
            error(node.mark, "invalid_secret_reference", "environment variable names are UPPER_CASE_WITH_UNDERSCORES")
            return nil
        }
        return .environment(name)
    }
}
