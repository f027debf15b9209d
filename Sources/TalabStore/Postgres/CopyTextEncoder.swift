/// Rows in COPY's text format: values separated by tabs, rows ended by a newline, NULL as `\N`, and
/// backslash, tab, newline and carriage return escaped with a backslash (PostgreSQL's `COPY` page).
struct CopyTextEncoder {
    let columns: Int
    private(set) var bytes: [UInt8] = []

    init(columns: Int) {
        self.columns = columns
        bytes.reserveCapacity(1 << 20 + 4_096)
    }

    mutating func append(_ row: [String?]) {
        precondition(row.count == columns, "a COPY row has one value per column")
        for (index, value) in row.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "\t")) }
            guard let value else {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "N"))
                continue
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// The bytes encoded so far, or nil when there are none; the buffer starts over.
    mutating func take() -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }
}
