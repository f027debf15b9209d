/// Where each part of a tenant's configuration was written, beside the model rather than in it: the
/// YAML reader fills it, the reconciler reads it to put a file and line on every audited change, and
/// a tenant read back from the database has none (nothing is invented).
public struct SourceMap: Sendable, Hashable {
    /// A part of a tenant, by the keys that name it; `branch: nil` is the business itself.
    public enum Part: Sendable, Hashable {
        case business
        case branch(String)
        case menu(String)
        /// Item keys are unique across the tenant's menus.
        case item(String)
        case optionGroup(item: String, group: String)
        case optionChoice(item: String, group: String, choice: String)
        case dateOverride(branch: String?, date: String)
        case policy(branch: String?, key: String)
        /// Where `phone_number_id` is written: the value that must be unique everywhere.
        case whatsappNumber(branch: String?)
        case whatsappToken(branch: String?)
    }

    private var locations: [Part: SourceLocation] = [:]

    public init() {}

    public subscript(part: Part) -> SourceLocation? { locations[part] }

    public var isEmpty: Bool { locations.isEmpty }

    /// Records where `part` is written; when it was recorded before, keeps the first and returns it.
    @discardableResult
    public mutating func record(_ part: Part, at location: SourceLocation) -> SourceLocation? {
        if let earlier = locations[part] { return earlier }
        locations[part] = location
        return nil
    }

    /// Adds another file's parts; returns those both have (where each was written: first here, then there).
    public mutating func merge(_ other: SourceMap) -> [(part: Part, first: SourceLocation, again: SourceLocation)] {
        var repeated: [(Part, SourceLocation, SourceLocation)] = []
        if other.locations.count > locations.count {
            // The smaller map goes into the larger (a menu's thousands of parts are not hashed again):
            // this map's entries are the first written, so they win.
            var merged = other.locations
            for (part, location) in locations {
                if let again = merged.updateValue(location, forKey: part) { repeated.append((part, location, again)) }
            }
            locations = merged
        } else {
            for (part, location) in other.locations {
                if let earlier = record(part, at: location) { repeated.append((part, earlier, location)) }
            }
        }
        return repeated.sorted { ($0.2.file, $0.2.line, $0.2.column) < ($1.2.file, $1.2.line, $1.2.column) }
    }
}
