extension ColumnValue: Encodable {
    /// How a value appears in an audit record's `before` and `after`: amounts as exact text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .text(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .boolean(let value): try container.encode(value)
        case .decimal(let value): try container.encode(value.description)
        case .uuid(let value): try container.encode(value.lowercasedText)
        case .texts(let value): try container.encode(value)
        case .json(let value): try container.encode(value)
        case .secret: try container.encode("(sensitive)")
        }
    }
}

extension ColumnValue {
    /// A row's values as the JSON object an audit record keeps, written directly (no encoder):
    /// amounts as exact text, JSON columns as their text.
    static func auditJSON(_ values: [String: ColumnValue]) -> String {
        var text = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += JSONBText.quoted(key) + ":"
            switch values[key] ?? .null {
            case .null: text += "null"
            case .integer(let value): text += String(value)
            case .boolean(let value): text += value ? "true" : "false"
            case .texts(let value): text += "[" + value.map(JSONBText.quoted).joined(separator: ",") + "]"
            case .secret: text += "\"(sensitive)\""
            case let other: text += JSONBText.quoted(other.literal ?? "")
            }
        }
        return text + "}"
    }
}
