import Foundation

/// Checks of the shape of short texts (keys, numbers, phone numbers), byte by byte.
///
/// Validating a thousand tenants reads hundreds of thousands of scalars; these checks run in
/// nanoseconds where a `Regex` match costs microseconds.
enum TextShape {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// Only ASCII digits, between `minimum` and `maximum` of them.
    static func isDigits(_ text: Substring.UTF8View, minimum: Int = 1, maximum: Int = .max) -> Bool {
        text.count >= minimum && text.count <= maximum && text.allSatisfy(isDigit)
    }

    static func isDigits(_ text: String, minimum: Int = 1, maximum: Int = .max) -> Bool {
        isDigits(Substring(text).utf8, minimum: minimum, maximum: maximum)
    }

    /// Lowercase letters, digits and inner hyphens, 1 to 64 characters.
    static func isKey(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 64, first != 45, last != 45 else {
            return false
        }
        return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || isDigit($0) || $0 == 45 }
    }

    /// `0`, `42`, `-7`: digits without leading zeros, maybe negative.
    static func isInteger(_ text: String) -> Bool {
        var digits = Substring(text).utf8
        if digits.first == 45 { digits = digits.dropFirst() }
        guard isDigits(digits) else { return false }
        return digits.count == 1 || digits.first != 48
    }

    /// `0777`, `-012`: what YAML 1.1 reads as octal.
    static func hasLeadingZero(_ text: String) -> Bool {
        var digits = Substring(text).utf8
        if digits.first == 45 { digits = digits.dropFirst() }
        return digits.count > 1 && digits.first == 48 && isDigits(digits)
    }

    /// `4`, `4.50`, `-33.89`: digits with an optional fraction, maybe negative.
    static func isDecimal(_ text: String) -> Bool {
        var rest = Substring(text).utf8
        if rest.first == 45 { rest = rest.dropFirst() }
        guard let dot = rest.firstIndex(of: 46) else { return isDigits(rest) }
        return isDigits(rest[..<dot]) && isDigits(rest[rest.index(after: dot)...])
    }

    /// The exact value of a text `isDecimal` accepted, built from its digits (no string scanning),
    /// or nil when it has more than 18 digits.
    static func decimal(_ text: String) -> Decimal? {
        var significand: UInt64 = 0
        var digits = 0
        var places = 0
        var afterDot = false
        var negative = false
        for byte in text.utf8 {
            switch byte {
            case 45: negative = true
            case 46: afterDot = true
            default:
                digits += 1
                guard digits <= 18 else { return nil }
                significand = significand * 10 + UInt64(byte - 48)
                if afterDot { places += 1 }
            }
        }
        return Decimal(sign: negative ? .minus : .plus, exponent: -places, significand: Decimal(significand))
    }

    /// Digits after the decimal point.
    static func decimalPlaces(_ text: String) -> Int {
        guard let dot = text.utf8.firstIndex(of: 46) else { return 0 }
        return text.utf8.distance(from: text.utf8.index(after: dot), to: text.utf8.endIndex)
    }

    /// `+9611234567`: E.164, a plus, a country code not starting with 0, 7 to 15 digits in all.
    static func isE164(_ text: String) -> Bool {
        let bytes = Substring(text).utf8
        guard bytes.first == 43 else { return false }
        let digits = bytes.dropFirst()
        return isDigits(digits, minimum: 7, maximum: 15) && digits.first != 48
    }

    /// Digits with an optional leading plus: a number YAML would read as an integer.
    static func isBareNumber(_ text: String) -> Bool {
        var digits = Substring(text).utf8
        if digits.first == 43 { digits = digits.dropFirst() }
        return isDigits(digits)
    }

    static func isEmail(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.contains(where: { $0 == 32 || $0 == 9 || $0 == 10 }),
            let at = bytes.firstIndex(of: 64), at > 0, bytes.lastIndex(of: 64) == at
        else { return false }
        let domain = bytes[(at + 1)...]
        guard let dot = domain.lastIndex(of: 46) else { return false }
        return dot > at + 1 && dot < bytes.count - 1
    }

    /// `UPPER_CASE_NAME`: an environment variable's name.
    static func isEnvironmentName(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, (first >= 65 && first <= 90) || first == 95 else { return false }
        return bytes.allSatisfy { ($0 >= 65 && $0 <= 90) || isDigit($0) || $0 == 95 }
    }

    /// The year, month and day of `YYYY-MM-DD`, or nil for another shape.
    static func dateParts(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy(isDigit) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return (year, month, day)
    }
}
