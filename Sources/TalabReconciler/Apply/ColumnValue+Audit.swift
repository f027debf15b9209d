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
        case .uuid(let value): try container.encode(value.uuidString.lowercased())
        case .texts(let value): try container.encode(value)
        case .json(let value): try container.encode(value)
        }
    }
}
