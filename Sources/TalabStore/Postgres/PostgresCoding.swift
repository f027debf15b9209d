public import Foundation

/// Why a column's text could not become the Swift value asked for.
public struct PostgresDecodingFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A Swift value that a result column decodes into, from PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Whether a column of this PostgreSQL type may decode into this Swift type.
    static func accepts(_ type: PostgresDataType) -> Bool
    init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure)
    /// The value a NULL decodes into, or nil when this type cannot hold a NULL.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

/// A Swift value bound as a statement parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The type the parameter is declared with; `.unspecified` lets the server infer it.
    static var postgresDataType: PostgresDataType { get }
    /// The parameter's text, or nil for NULL.
    var postgresText: String? { get }
}

public typealias PostgresCodable = PostgresDecodable & PostgresEncodable

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { Wrapped.accepts(type) }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        self = .some(try Wrapped(postgresText: text, type: type))
    }
    public static var postgresNull: Self? { .some(.none) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    public var postgresText: String? { self?.postgresText }
}

extension String: PostgresCodable {
    static let textTypes: Set<PostgresDataType> = [.text, .varchar, .bpchar, .name, .unknown, PostgresDataType(18)]

    /// Text columns, and enum columns (user-defined types), decode as strings.
    public static func accepts(_ type: PostgresDataType) -> Bool {
        textTypes.contains(type) || type.isUserDefined
    }
    public init(postgresText text: String, type: PostgresDataType) { self = text }
    public static var postgresDataType: PostgresDataType { .unspecified }
    public var postgresText: String? { self }
}

extension Int: PostgresCodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { [.int2, .int4, .int8].contains(type) }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard let value = Int(text) else { throw PostgresDecodingFailure("'\(text)' is not an integer") }
        self = value
    }
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresCodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .bool }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: throw PostgresDecodingFailure("'\(text)' is not a boolean")
        }
    }
    public static var postgresDataType: PostgresDataType { .bool }
    public var postgresText: String? { self ? "true" : "false" }
}

extension UUID: PostgresCodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .uuid }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard let value = UUID.parse(text) ?? UUID(uuidString: text) else {
            throw PostgresDecodingFailure("not a UUID")
        }
        self = value
    }

    /// PostgreSQL's canonical form, `8-4-4-4-12` lowercase hex, read byte by byte: Foundation's
    /// parser goes through `sscanf` on Linux, and a plan reads hundreds of thousands of ids.
    static func parse(_ text: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var index = 0
        var high: UInt8?
        for (position, character) in text.utf8.enumerated() {
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard character == 45 else { return nil }
                continue
            }
            let nibble: UInt8
            switch character {
            case 48...57: nibble = character - 48
            case 97...102: nibble = character - 87
            case 65...70: nibble = character - 55
            default: return nil
            }
            if let first = high {
                guard index < 16 else { return nil }
                bytes[index] = first << 4 | nibble
                index += 1
                high = nil
            } else {
                high = nibble
            }
        }
        guard index == 16, high == nil else { return nil }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
    public static var postgresDataType: PostgresDataType { .uuid }
    public var postgresText: String? { lowercasedText }

    /// `8-4-4-4-12` lowercase hex, as PostgreSQL prints it, without `uuidString`'s trip through `sprintf`.
    public var lowercasedText: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        withUnsafeBytes(of: uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(45) }
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// NUMERIC decodes exactly: `0.10` stays one tenth, never a binary fraction.
extension Decimal: PostgresCodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { [.numeric, .int2, .int4, .int8].contains(type) }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard text != "NaN", let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw PostgresDecodingFailure("'\(text)' is not a finite decimal")
        }
        self = value
    }
    public static var postgresDataType: PostgresDataType { .numeric }
    public var postgresText: String? { description }
}

/// `timestamptz`, exchanged as ISO text in UTC (the session's time zone is fixed to UTC on connect).
extension Date: PostgresCodable {
    public static func accepts(_ type: PostgresDataType) -> Bool { type == .timestamptz }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard let micros = PostgresTimestamp.parse(text) else {
            throw PostgresDecodingFailure("'\(text)' is not a finite timestamp")
        }
        self = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
    public static var postgresDataType: PostgresDataType { .timestamptz }
    public var postgresText: String? {
        PostgresTimestamp.format(microseconds: Int64((timeIntervalSince1970 * 1_000_000).rounded()))
    }
}

extension Array: PostgresDecodable where Element == String {
    public static func accepts(_ type: PostgresDataType) -> Bool {
        [.textArray, .varcharArray, .bpcharArray, .nameArray].contains(type)
    }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        self = try PostgresArrayText.parse(text)
    }
}

extension Array: PostgresEncodable where Element == String {
    public static var postgresDataType: PostgresDataType { .textArray }
    public var postgresText: String? { PostgresArrayText.format(self) }
}

/// A `json` or `jsonb` column holding any `Codable` value.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresCodable {
    public var value: Value

    public init(_ value: Value) { self.value = value }

    public static func accepts(_ type: PostgresDataType) -> Bool { type == .json || type == .jsonb }
    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresDecodingFailure("JSON does not decode as \(Value.self): \(error)")
        }
    }
    public static var postgresDataType: PostgresDataType { .jsonb }
    public var postgresText: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a Codable value into JSON fails only for non-finite floats, which we never store.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A `text[]` parameter whose elements may be NULL: the way to send a column of many rows at once,
/// each element the text form of its value, cast on the server (`unnest($1::text[])`).
public struct PostgresTextArray: PostgresEncodable {
    public var elements: [String?]

    public init(_ elements: [String?]) { self.elements = elements }

    public static var postgresDataType: PostgresDataType { .textArray }
    public var postgresText: String? { PostgresArrayText.format(elements) }
}
