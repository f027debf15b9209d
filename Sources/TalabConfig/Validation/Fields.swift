/// The values of a mapping whose keys were checked.
struct Fields {
    let node: YAMLNode
    let entries: [(key: String, value: YAMLNode)]

    /// Every value by key, nulls included.
    var values: Lookup { Lookup(entries: entries) }

    struct Lookup {
        let entries: [(key: String, value: YAMLNode)]
        subscript(key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }
    }

    /// The value of a key, or nil when it is absent or null.
    subscript(key: String) -> YAMLNode? {
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    /// Whether the key is present even with an empty value.
    func has(_ key: String) -> Bool { values[key] != nil }
}
