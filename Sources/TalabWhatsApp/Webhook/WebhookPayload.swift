public import Foundation

/// A Cloud API webhook body, read leniently: every field is optional, numbers may come as strings,
/// an element that cannot be read is skipped (and counted), and unknown fields and types are kept
/// as what they are. A body that is not JSON at all still gets its 200; it is recorded as skipped.
public struct WebhookPayload: Decodable, Sendable {
    public var object: String?
    public var entries: [Entry]
    /// Elements of the body that could not be read at all (an entry that is a number, …).
    public var skipped: Int

    public struct Entry: Decodable, Sendable {
        /// The WhatsApp Business Account id.
        public var id: String?
        public var changes: [Change]
        var skipped: Int

        enum CodingKeys: String, CodingKey { case id, changes }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = container.lenientString(.id)
            (changes, skipped) = container.lossyArray(.changes)
        }
    }

    public struct Change: Decodable, Sendable {
        /// `messages`, `smb_message_echoes`, `message_template_status_update`, …
        public var field: String?
        public var value: Value?

        enum CodingKeys: String, CodingKey { case field, value }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            field = container.lenientString(.field)
            value = try? container.decodeIfPresent(Value.self, forKey: .value)
        }
    }

    public struct Value: Decodable, Sendable {
        public var phoneNumberID: String?
        public var displayPhoneNumber: String?
        public var contacts: [Contact]
        public var messages: [InboundMessage]
        public var statuses: [DeliveryStatus]
        public var errors: [GraphErrorInfo]
        var skipped: Int

        enum CodingKeys: String, CodingKey { case metadata, contacts, messages, statuses, errors }
        enum MetadataKeys: String, CodingKey {
            case phoneNumberID = "phone_number_id"
            case displayPhoneNumber = "display_phone_number"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let metadata = try? container.nestedContainer(keyedBy: MetadataKeys.self, forKey: .metadata)
            phoneNumberID = metadata?.lenientString(.phoneNumberID)
            displayPhoneNumber = metadata?.lenientString(.displayPhoneNumber)
            var lost = [0, 0, 0, 0]
            (contacts, lost[0]) = container.lossyArray(.contacts)
            (messages, lost[1]) = container.lossyArray(.messages)
            (statuses, lost[2]) = container.lossyArray(.statuses)
            (errors, lost[3]) = container.lossyArray(.errors)
            skipped = lost.reduce(0, +)
        }

        /// The contact a message came from: by business-scoped user id, else by phone.
        public func contact(for message: InboundMessage) -> Contact? {
            if let userID = message.fromUserID, let match = contacts.first(where: { $0.userID == userID }) {
                return match
            }
            if let from = message.from, let match = contacts.first(where: { $0.waID == from }) { return match }
            return contacts.count == 1 ? contacts[0] : nil
        }
    }

    public struct Contact: Decodable, Sendable {
        public var waID: String?
        public var userID: String?
        public var parentUserID: String?
        public var name: String?
        public var username: String?

        enum CodingKeys: String, CodingKey {
            case waID = "wa_id"
            case userID = "user_id"
            case parentUserID = "parent_user_id"
            case profile
        }
        enum ProfileKeys: String, CodingKey { case name, username }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            waID = container.lenientString(.waID, limit: PayloadText.phoneLength)
            userID = container.lenientString(.userID, limit: PayloadText.nameLength)
            parentUserID = container.lenientString(.parentUserID, limit: PayloadText.nameLength)
            let profile = try? container.nestedContainer(keyedBy: ProfileKeys.self, forKey: .profile)
            name = profile?.lenientString(.name, limit: PayloadText.nameLength)
            username = profile?.lenientString(.username, limit: PayloadText.nameLength)
        }
    }

    enum CodingKeys: String, CodingKey { case object, entry }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        object = container.lenientString(.object)
        (entries, skipped) = container.lossyArray(.entry)
        skipped += entries.reduce(0) { $0 + $1.skipped + $1.changes.reduce(0) { $0 + ($1.value?.skipped ?? 0) } }
    }

    /// Reads a body; one that is not a JSON object gives an empty payload with one skipped element.
    public static func read(_ bytes: some Collection<UInt8>) -> WebhookPayload {
        (try? JSONDecoder().decode(WebhookPayload.self, from: Data(bytes)))
            ?? WebhookPayload(object: nil, entries: [], skipped: 1)
    }

    init(object: String?, entries: [Entry], skipped: Int) {
        self.object = object
        self.entries = entries
        self.skipped = skipped
    }

    /// Every change's value with the field it came in, in order.
    public var values: [(field: String?, value: Value)] {
        entries.flatMap { entry in entry.changes.compactMap { change in change.value.map { (change.field, $0) } } }
    }

    /// What keeps one customer's payloads in order: the business number and the first sender (of
    /// the first change whose first readable message names one). Read on its own, without the rest
    /// of the body, since it is needed before the 200 and the whole payload only by a worker.
    public static func orderingKey(of bytes: some Collection<UInt8>) -> String? {
        let scanned =
            bytes.withContiguousStorageIfAvailable(OrderingKeyScanner.key(of:))
            ?? Array(bytes).withUnsafeBufferPointer(OrderingKeyScanner.key(of:))
        switch scanned {
        case .success(let key): return key
        case .failure: return (try? JSONDecoder().decode(OrderingProbe.self, from: Data(bytes)))?.key
        }
    }
}

/// An error object as the Cloud API puts it on messages, statuses and values.
public struct GraphErrorInfo: Decodable, Sendable, Hashable {
    public var code: Int?
    public var title: String?
    public var message: String?
    public var details: String?

    enum CodingKeys: String, CodingKey {
        case code, title, message, details
        case errorData = "error_data"
    }
    enum DataKeys: String, CodingKey { case details }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = container.lenientInt(.code)
        title = container.lenientString(.title)
        message = container.lenientString(.message)
        let data = try? container.nestedContainer(keyedBy: DataKeys.self, forKey: .errorData)
        details = data?.lenientString(.details) ?? container.lenientString(.details)
    }
}

/// A status of a message the business sent.
public struct DeliveryStatus: Decodable, Sendable {
    public var messageID: String?
    /// `sent`, `delivered`, `read`, `played`, `failed`, or a newer one.
    public var status: String?
    public var timestamp: Date?
    public var recipientID: String?
    public var recipientUserID: String?
    public var errors: [GraphErrorInfo]

    enum CodingKeys: String, CodingKey {
        case messageID = "id"
        case status, timestamp, errors
        case recipientID = "recipient_id"
        case recipientUserID = "recipient_user_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageID = container.lenientString(.messageID)
        status = container.lenientString(.status)
        timestamp = container.lenientDate(.timestamp)
        recipientID = container.lenientString(.recipientID)
        recipientUserID = container.lenientString(.recipientUserID)
        errors = container.lossyArray(.errors).0
    }

    /// The order statuses move in (a late `delivered` or `read` outranks `failed`, which outranks
    /// `sent`); nil for one Talab does not track.
    public var rank: Int? {
        switch status {
        case "sent": return 1
        case "failed": return 2
        case "delivered": return 3
        case "read": return 4
        case "played": return 5
        default: return nil
        }
    }
}

/// What every string read from a payload is made to fit: the database's columns, and what the
/// Cloud API itself allows, so that a field Meta may send never fails its body.
public enum PayloadText {
    /// The longest message a customer can type (and the longest any string is kept).
    public static let maxLength = 4_096
    /// Columns for names and user ids (`varchar(255)`).
    public static let nameLength = 255
    /// Columns for phone numbers (`varchar(32)`).
    public static let phoneLength = 32

    /// At most `limit` characters as PostgreSQL counts them (code points: a `varchar(255)` refuses
    /// 255 letters that carry combining marks), and no NUL (PostgreSQL's text cannot hold one, and
    /// libpq would store the text cut there): each becomes U+FFFD, so what is logged is what was read.
    public static func clean(_ text: String, limit: Int) -> String {
        let bytes = text.utf8
        guard bytes.count > limit || bytes.contains(0) else { return text }
        let scalars = text.unicodeScalars
        let clipped = scalars.count > limit ? String(String.UnicodeScalarView(scalars.prefix(limit))) : text
        return clipped.utf8.contains(0) ? clipped.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : clipped
    }
}

extension KeyedDecodingContainer {
    /// A string, or a number written as text; nil when absent or of another shape. Made to fit
    /// (`PayloadText.clean`) within `limit` characters.
    func lenientString(_ key: Key, limit: Int = PayloadText.maxLength) -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return PayloadText.clean(text, limit: limit) }
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        if let number = try? decodeIfPresent(Double.self, forKey: key) { return String(number) }
        return nil
    }

    func lenientInt(_ key: Key) -> Int? {
        if let number = try? decodeIfPresent(Int.self, forKey: key) { return number }
        return lenientString(key).flatMap { Int($0) }
    }

    func lenientDouble(_ key: Key) -> Double? {
        if let number = try? decodeIfPresent(Double.self, forKey: key) { return number }
        return lenientString(key).flatMap { Double($0) }
    }

    func lenientBool(_ key: Key) -> Bool? { try? decodeIfPresent(Bool.self, forKey: key) }

    /// Unix seconds, as a string or a number.
    func lenientDate(_ key: Key) -> Date? {
        lenientDouble(key).map { Date(timeIntervalSince1970: $0) }
    }

    /// The elements that can be read, and how many could not.
    func lossyArray<Element: Decodable>(_ key: Key) -> ([Element], Int) {
        guard var array = try? nestedUnkeyedContainer(forKey: key) else { return ([], 0) }
        var elements: [Element] = []
        var skipped = 0
        while !array.isAtEnd {
            if let element = try? array.decode(Element.self) {
                elements.append(element)
            } else {
                skipped += 1
                _ = try? array.decode(Skip.self)
            }
        }
        return (elements, skipped)
    }
}

/// Consumes one element of any shape.
struct Skip: Decodable {
    init(from decoder: any Decoder) throws {}
}

extension WebhookPayload {
    /// A webhook body as Meta sends it: one entry, one `messages` change, for `phoneNumberID`, with
    /// `fields` (`messages` and `contacts`, or `statuses`) beside the metadata. For the fake Graph API
    /// and `talab chat`.
    public static func envelope(phoneNumberID: String, account: String, _ fields: [String: JSONValue]) -> [UInt8] {
        var value = fields
        value["messaging_product"] = "whatsapp"
        value["metadata"] = ["display_phone_number": "0", "phone_number_id": .string(phoneNumberID)]
        return JSONValue.encode([
            "object": "whatsapp_business_account",
            "entry": [["id": .string(account), "changes": [["field": "messages", "value": .object(value)]]]],
        ])
    }
}

/// Only the fields the ordering key needs, for a body `OrderingKeyScanner` finds malformed; read
/// with the payload's own leniency (elements that cannot be read skipped, numbers as text) so that
/// it finds the message `WebhookPayload` would.
private struct OrderingProbe: Decodable {
    var key: String?

    enum Keys: String, CodingKey {
        case entry, changes, value, metadata, messages
        case phoneNumberID = "phone_number_id"
        case from
        case fromUserID = "from_user_id"
    }

    struct Entry: Decodable {
        var values: [Value] = []

        init(from decoder: any Decoder) throws {
            let (changes, _): ([Change], Int) = try decoder.container(keyedBy: Keys.self).lossyArray(.changes)
            values = changes.compactMap(\.value)
        }
    }

    struct Change: Decodable {
        var value: Value?

        init(from decoder: any Decoder) throws {
            value = try? decoder.container(keyedBy: Keys.self).decodeIfPresent(Value.self, forKey: .value)
        }
    }

    struct Value: Decodable {
        var phoneNumberID: String?
        var sender: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            phoneNumberID = (try? container.nestedContainer(keyedBy: Keys.self, forKey: .metadata))?
                .lenientString(.phoneNumberID)
            let (messages, _): ([Message], Int) = container.lossyArray(.messages)
            sender = messages.first.flatMap { $0.fromUserID ?? $0.from }
        }
    }

    struct Message: Decodable {
        var from: String?
        var fromUserID: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            from = container.lenientString(.from)
            fromUserID = container.lenientString(.fromUserID)
        }
    }

    init(from decoder: any Decoder) throws {
        let (entries, _): ([Entry], Int) = try decoder.container(keyedBy: Keys.self).lossyArray(.entry)
        for value in entries.flatMap(\.values) {
            guard let sender = value.sender else { continue }
            key = "\(value.phoneNumberID ?? "?")/\(sender)"
            return
        }
    }
}
