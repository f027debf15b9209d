/// PostgreSQL's ISO timestamp text (`2026-11-26 19:33:13.123456+00`), parsed and written exactly.
enum PostgresTimestamp {
    /// Microseconds since 1970-01-01 UTC, or nil for `infinity`, BC dates and anything malformed.
    static func parse(_ text: String) -> Int64? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4, maxDigits: 6), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(" ") || scanner.skip("T"),
            let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
            let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
            let second = scanner.number(minDigits: 2, maxDigits: 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if scanner.skip(".") {
            var digits = 0
            while let digit = scanner.digit() {
                if digits < 6 { micros = micros * 10 + Int64(digit) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if digits < 6 {
                for _ in digits..<6 { micros *= 10 }
            }
        }
        var offsetSeconds = 0
        if let sign = scanner.sign() {
            guard let hours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
            var minutes = 0
            var seconds = 0
            if scanner.skip(":") {
                guard let value = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                minutes = value
                if scanner.skip(":") {
                    guard let value = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    seconds = value
                }
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60 + seconds)
        }
        guard scanner.atEnd else { return nil }
        let days = Int64(CivilDate.days(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1_000_000 + micros
    }

    static func format(microseconds: Int64) -> String {
        let (seconds, micros) = floorDivide(microseconds, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = CivilDate.civil(days: Int(days))
        let hour = Int(secondOfDay / 3600)
        let minute = Int(secondOfDay % 3600 / 60)
        let second = Int(secondOfDay % 60)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            + ".\(pad(Int(micros), 6))+00"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithms).
enum CivilDate {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Reads ASCII digits and punctuation from the front of a byte string.
struct DigitScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int? {
        guard position < bytes.count, (48...57).contains(bytes[position]) else { return nil }
        defer { position += 1 }
        return Int(bytes[position] - 48)
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, let digit = digit() {
            value = value * 10 + digit
            count += 1
        }
        return count >= minDigits ? value : nil
    }
}

/// One-dimensional text arrays in PostgreSQL's literal syntax: `{a,"b c","d\"e"}`.
enum PostgresArrayText {
    static func format(_ elements: [String]) -> String {
        format(elements.map { Optional($0) })
    }

    /// The same, with NULL elements. Built from UTF-8 bytes: a batch write formats millions of them.
    static func format(_ elements: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(elements.count * 16)
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func parse(_ text: String) throws(PostgresDecodingFailure) -> [String] {
        let characters = Array(text)
        guard characters.first == "{", characters.last == "}" else {
            throw PostgresDecodingFailure("'\(text)' is not a one-dimensional array")
        }
        var elements: [String] = []
        var index = 1
        let end = characters.count - 1
        guard index < end else { return [] }
        while index <= end {
            var element = ""
            var quoted = false
            if characters[index] == "\"" {
                quoted = true
                index += 1
                while index < end, characters[index] != "\"" {
                    if characters[index] == "\\" { index += 1 }
                    guard index < end else { break }
                    element.append(characters[index])
                    index += 1
                }
                guard index < end else { throw PostgresDecodingFailure("unterminated quote in an array") }
                index += 1
            } else {
                while index < end, characters[index] != "," {
                    guard characters[index] != "{" else {
                        throw PostgresDecodingFailure("nested arrays are not supported")
                    }
                    element.append(characters[index])
                    index += 1
                }
            }
            if !quoted && element == "NULL" {
                throw PostgresDecodingFailure("the array holds a NULL element, which [String] cannot hold")
            }
            elements.append(element)
            guard index < end else { break }
            guard characters[index] == "," else {
                throw PostgresDecodingFailure("malformed array literal")
            }
            index += 1
        }
        return elements
    }
}
