import Glibc

/// The ordering key read straight from a body's bytes, in one pass, before the 200.
///
/// `JSONDecoder` with a probe of the few fields needed cost an eighth of the server's CPU per
/// webhook (sampled with perf while receiving alone): Codable's containers and generic metadata,
/// not the parse. This walks strict JSON once and keeps only
/// `entry[].changes[].value.metadata.phone_number_id` and the first message's `from_user_id` or
/// `from`, read as `JSONDecoder` reads them for the payload: elements of the wrong shape skipped,
/// numbers as text (an integral one as an integer), the first of duplicate keys. A body it finds
/// malformed (JSONDecoder forgives some of those: a trailing comma, a misspelt literal it never
/// reads) is `Malformed`, and the caller asks `JSONDecoder` (`OrderingProbe`). A test holds both to what
/// `WebhookPayload.read` finds, on every peer fixture and on odd shapes.
struct OrderingKeyScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// Deeper bodies (Meta's are 8 levels deep) are left to `JSONDecoder`: the walk recurses, and
    /// a hostile body must not take a thread's stack with it.
    static let maxDepth = 64

    struct Malformed: Error {}

    /// The member names the key needs, matched on the bytes (no string made for a key).
    private enum Field {
        case entry, changes, value, metadata, phoneNumberID, messages, from, fromUserID, other

        static let names: [(StaticString, Field)] = [
            ("entry", .entry), ("changes", .changes), ("value", .value), ("metadata", .metadata),
            ("phone_number_id", .phoneNumberID), ("messages", .messages), ("from", .from),
            ("from_user_id", .fromUserID),
        ]

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            for (name, field) in Field.names where name.utf8CodeUnitCount == bytes.count {
                if memcmp(name.utf8Start, bytes.baseAddress!, bytes.count) == 0 {
                    self = field
                    return
                }
            }
            self = .other
        }
    }

    /// The key of a body (nil when it names no sender), or `Malformed` when it is not strict JSON.
    static func key(of body: UnsafeBufferPointer<UInt8>) -> Result<String?, Malformed> {
        var scanner = OrderingKeyScanner(bytes: body)
        return Result { () throws(Malformed) in
            do {
                return try scanner.document()
            } catch {
                throw Malformed()
            }
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: The fields the key needs

    private mutating func document() throws -> String? {
        skipWhitespace()
        let entries = try member(.entry) { scanner in try scanner.array { scanner in try scanner.entry() } } ?? []
        try end()
        for value in entries.joined() {
            guard let sender = value.sender else { continue }
            return "\(value.phoneNumberID ?? "?")/\(sender)"
        }
        return nil
    }

    private struct Value {
        var phoneNumberID: String?
        var sender: String?
    }

    /// The first member named `field` of the object here, read by `read`; nil when there is none or
    /// the value is not an object (skipped, as the payload's lossy reading skips it).
    private mutating func member<T>(_ field: Field, _ read: (inout OrderingKeyScanner) throws -> T) throws -> T? {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue()
            return nil
        }
        var found: T?
        var seen = false
        try object { scanner, key in
            if key == field && !seen {
                seen = true
                found = try read(&scanner)
            } else {
                try scanner.skipValue()
            }
        }
        return found
    }

    /// An entry's change values.
    private mutating func entry() throws -> [Value] {
        try member(.changes) { scanner in try scanner.array { scanner in try scanner.change() }.compactMap { $0 } }
            ?? []
    }

    /// A change's value, when the change and its value are objects.
    private mutating func change() throws -> Value? {
        try member(.value) { scanner in try scanner.value() } ?? nil
    }

    private mutating func value() throws -> Value? {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue()
            return nil
        }
        var value = Value()
        var seen = (metadata: false, messages: false)
        try object { scanner, key in
            switch key {
            case .metadata where !seen.metadata:
                seen.metadata = true
                guard scanner.peek() == UInt8(ascii: "{") else { return try scanner.skipValue() }
                var seenID = false
                try scanner.object { scanner, key in
                    if key == .phoneNumberID && !seenID {
                        seenID = true
                        value.phoneNumberID = try scanner.lenientString()
                    } else {
                        try scanner.skipValue()
                    }
                }
            case .messages where !seen.messages:
                seen.messages = true
                let messages = try scanner.array { scanner in try scanner.message() }
                // The first message that is an object, as the payload's lossy array reads them.
                value.sender = messages.lazy.compactMap { $0 }.first.flatMap { $0.fromUserID ?? $0.from }
            default:
                try scanner.skipValue()
            }
        }
        return value
    }

    /// A message's senders (nil when it is not an object: skipped).
    private mutating func message() throws -> (from: String?, fromUserID: String?)? {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue()
            return nil
        }
        var message: (from: String?, fromUserID: String?) = (nil, nil)
        var seen = (from: false, fromUserID: false)
        try object { scanner, key in
            switch key {
            case .from where !seen.from:
                seen.from = true
                message.from = try scanner.lenientString()
            case .fromUserID where !seen.fromUserID:
                seen.fromUserID = true
                message.fromUserID = try scanner.lenientString()
            default: try scanner.skipValue()
            }
        }
        return message
    }

    /// A string, or a number as text (`KeyedDecodingContainer.lenientString`); nil for other shapes.
    private mutating func lenientString() throws -> String? {
        switch peek() ?? 0 {
        case UInt8(ascii: "\""):
            return PayloadText.clean(try string(), limit: PayloadText.maxLength)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let token = try number()
            if let integer = Int64(token) { return String(integer) }
            guard let number = Double(token) else { return nil }
            // JSONDecoder reads 1.0 and 1e3 as the integers they are.
            if number.rounded() == number, let integer = Int64(exactly: number) { return String(integer) }
            return String(number)
        default:
            try skipValue()
            return nil
        }
    }

    // MARK: JSON

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard peek() == byte else { throw Malformed() }
        index += 1
    }

    private mutating func end() throws {
        skipWhitespace()
        guard index == bytes.count else { throw Malformed() }
    }

    private mutating func nest() throws {
        depth += 1
        guard depth <= OrderingKeyScanner.maxDepth else { throw Malformed() }
    }

    /// Calls `member` at each member's value, with its key.
    private mutating func object(_ member: (inout OrderingKeyScanner, Field) throws -> Void) throws {
        try nest()
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw Malformed() }
                let key = try field()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                try member(&self, key)
                skipWhitespace()
                guard let next = peek() else { throw Malformed() }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw Malformed() }
            }
        }
        depth -= 1
    }

    /// The elements `element` reads; none when the value is not an array (skipped).
    private mutating func array<Element>(_ element: (inout OrderingKeyScanner) throws -> Element) throws -> [Element] {
        guard peek() == UInt8(ascii: "[") else {
            try skipValue()
            return []
        }
        try nest()
        index += 1
        var elements: [Element] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                elements.append(try element(&self))
                skipWhitespace()
                guard let next = peek() else { throw Malformed() }
                index += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { throw Malformed() }
            }
        }
        depth -= 1
        return elements
    }

    private mutating func skipValue() throws {
        skipWhitespace()
        switch peek() ?? 0 {
        case UInt8(ascii: "{"): try object { scanner, _ in try scanner.skipValue() }
        case UInt8(ascii: "["): _ = try array { scanner in try scanner.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number()
        default: throw Malformed()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw Malformed() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Malformed() }
        index += count
    }

    /// A number's text, checked against JSON's grammar.
    private mutating func number() throws -> String {
        let start = index
        func digits(_ scanner: inout OrderingKeyScanner) -> Int {
            let from = scanner.index
            while let byte = scanner.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { scanner.index += 1 }
            return scanner.index - from
        }
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits(&self) > 0 else { throw Malformed() }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw Malformed() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw Malformed() }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// A member's name: matched on its bytes when it has no escape (names never do), else decoded.
    private mutating func field() throws -> Field {
        let start = index + 1
        var probe = start
        while probe < bytes.count, bytes[probe] != UInt8(ascii: "\""), bytes[probe] != UInt8(ascii: "\\"),
            bytes[probe] >= 0x20
        {
            probe += 1
        }
        if probe < bytes.count, bytes[probe] == UInt8(ascii: "\"") {
            index = probe + 1
            return Field(UnsafeBufferPointer(rebasing: bytes[start..<probe]))
        }
        let name = try string()
        return Array(name.utf8).withUnsafeBufferPointer { Field($0) }
    }

    /// Passes over a string, checking its escapes and that it holds no raw control character.
    private mutating func skipString() throws {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"): _ = try escape()
            case 0..<0x20: throw Malformed()
            default: continue
            }
        }
        throw Malformed()
    }

    /// A string's text, escapes decoded; invalid UTF-8 or a lone surrogate is malformed.
    private mutating func string() throws -> String {
        index += 1
        var text: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                guard let string = String(validating: text, as: UTF8.self) else { throw Malformed() }
                return string
            case UInt8(ascii: "\\"):
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                let scalar = try escape()
                text.append(contentsOf: String(Character(scalar)).utf8)
                runStart = index
            case 0..<0x20:
                throw Malformed()
            default:
                index += 1
            }
        }
        throw Malformed()
    }

    /// The character an escape stands for (after its backslash); `\u` pairs surrogates.
    private mutating func escape() throws -> Unicode.Scalar {
        guard let byte = peek() else { throw Malformed() }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{8}"
        case UInt8(ascii: "f"): return "\u{C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard peek() == UInt8(ascii: "\\") else { throw Malformed() }
                index += 1
                guard peek() == UInt8(ascii: "u") else { throw Malformed() }
                index += 1
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw Malformed() }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw Malformed() }
                return scalar
            }
            guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw Malformed() }
            return scalar
        default:
            throw Malformed()
        }
    }

    private mutating func hex4() throws -> UInt16 {
        guard bytes.count - index >= 4 else { throw Malformed() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
