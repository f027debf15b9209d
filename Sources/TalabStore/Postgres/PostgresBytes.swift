import Foundation

/// Raw bytes for a `bytea` column, exchanged in PostgreSQL's hex format (`\x48656c6c6f`).
public struct PostgresBytes: PostgresCodable, Hashable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public static func accepts(_ type: PostgresDataType) -> Bool { type == PostgresDataType(17) }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresDecodingFailure("bytea is not in hex format (bytea_output = hex)")
        }
        utf8.removeFirst(2)
        var bytes = [UInt8](repeating: 0, count: utf8.count / 2)
        for index in bytes.indices {
            guard let high = PostgresBytes.nibble(utf8[2 * index]), let low = PostgresBytes.nibble(utf8[2 * index + 1])
            else { throw PostgresDecodingFailure("bytea has a character that is not hex") }
            bytes[index] = high << 4 | low
        }
        self.bytes = bytes
    }

    public static var postgresDataType: PostgresDataType { PostgresDataType(17) }

    public var postgresText: String? {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 2 + 2 * bytes.count)
        text[0] = UInt8(ascii: "\\")
        text[1] = UInt8(ascii: "x")
        for (index, byte) in bytes.enumerated() {
            text[2 + 2 * index] = digits[Int(byte >> 4)]
            text[3 + 2 * index] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
