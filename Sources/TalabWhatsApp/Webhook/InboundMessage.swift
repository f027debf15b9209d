public import Foundation

/// A message a customer sent, with its content read into one of the kinds Talab handles.
public struct InboundMessage: Decodable, Sendable {
    /// The customer's phone (digits, no `+`); absent for a username user.
    public var from: String?
    /// The business-scoped user id (2026).
    public var fromUserID: String?
    /// Meta's message id (wamid).
    public var id: String?
    public var timestamp: Date?
    /// The type as Meta names it (`text`, `interactive`, … or one Talab does not know yet).
    public var type: String?
    public var content: Content
    /// The message this one replies to.
    public var contextMessageID: String?
    public var forwarded: Bool
    public var errors: [GraphErrorInfo]
    /// Its text was longer than WhatsApp allows (`PayloadText.maxLength`) and was cut there.
    public var truncated = false

    public enum Content: Sendable, Hashable {
        case text(String)
        case buttonReply(id: String, title: String?)
        case listReply(id: String, title: String?, description: String?)
        /// A template's quick-reply button.
        case button(payload: String?, text: String?)
        case location(latitude: Double, longitude: Double, name: String?, address: String?)
        case media(kind: String, id: String?, mimeType: String?, caption: String?, voice: Bool)
        case reaction(messageID: String?, emoji: String?)
        case contacts(count: Int)
        case order(catalogID: String?, items: [OrderLine], text: String?)
        case system(System)
        case unsupported
        case unknown
    }

    public struct OrderLine: Decodable, Sendable, Hashable {
        public var productRetailerID: String?
        public var quantity: Int?
        public var itemPrice: Decimal?
        public var currency: String?

        enum CodingKeys: String, CodingKey {
            case productRetailerID = "product_retailer_id"
            case quantity
            case itemPrice = "item_price"
            case currency
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            productRetailerID = container.lenientString(.productRetailerID)
            quantity = container.lenientInt(.quantity)
            itemPrice = container.lenientString(.itemPrice).flatMap { Decimal(string: $0) }
            currency = container.lenientString(.currency)
        }
    }

    /// A change to the customer's identity that WhatsApp reports.
    public struct System: Sendable, Hashable {
        /// `user_changed_number`, `user_changed_user_id`, `customer_identity_changed`, …
        public var type: String?
        public var body: String?
        /// The new phone, from `wa_id`, `new_wa_id` or `customer`.
        public var newWaID: String?
        /// The new business-scoped user id.
        public var newUserID: String?
    }

    enum CodingKeys: String, CodingKey {
        case from, id, timestamp, type, context, errors
        case fromUserID = "from_user_id"
        case text, interactive, button, location, image, audio, video, document, sticker, reaction, contacts, order
        case system
    }
    enum TextKeys: String, CodingKey { case body }
    enum InteractiveKeys: String, CodingKey {
        case type
        case buttonReply = "button_reply"
        case listReply = "list_reply"
    }
    enum ReplyKeys: String, CodingKey { case id, title, description }
    enum ButtonKeys: String, CodingKey { case payload, text }
    enum LocationKeys: String, CodingKey { case latitude, longitude, name, address }
    enum MediaKeys: String, CodingKey {
        case id, caption, voice
        case mimeType = "mime_type"
    }
    enum ReactionKeys: String, CodingKey {
        case messageID = "message_id"
        case emoji
    }
    enum OrderKeys: String, CodingKey {
        case text
        case catalogID = "catalog_id"
        case productItems = "product_items"
    }
    enum SystemKeys: String, CodingKey {
        case type, body, customer
        case waID = "wa_id"
        case newWaID = "new_wa_id"
        case userID = "user_id"
        case newUserID = "new_user_id"
    }
    enum ContextKeys: String, CodingKey {
        case id, forwarded
        case frequentlyForwarded = "frequently_forwarded"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        from = container.lenientString(.from, limit: PayloadText.phoneLength)
        fromUserID = container.lenientString(.fromUserID, limit: PayloadText.nameLength)
        id = container.lenientString(.id)
        timestamp = container.lenientDate(.timestamp)
        type = container.lenientString(.type)
        errors = container.lossyArray(.errors).0
        let context = try? container.nestedContainer(keyedBy: ContextKeys.self, forKey: .context)
        contextMessageID = context?.lenientString(.id)
        forwarded = context?.lenientBool(.forwarded) == true || context?.lenientBool(.frequentlyForwarded) == true
        if type == "text",
            let body = (try? container.nestedContainer(keyedBy: TextKeys.self, forKey: .text))?
                .lenientString(.body, limit: .max)
        {
            let text = PayloadText.clean(body, limit: PayloadText.maxLength)
            truncated = text.utf8.count < body.utf8.count
            content = .text(text)
        } else {
            content = InboundMessage.content(of: type, in: container)
        }
    }

    private static func content(of type: String?, in container: KeyedDecodingContainer<CodingKeys>) -> Content {
        switch type {
        case "text":
            let text = try? container.nestedContainer(keyedBy: TextKeys.self, forKey: .text)
            return text?.lenientString(.body).map(Content.text) ?? .unknown
        case "interactive":
            guard let interactive = try? container.nestedContainer(keyedBy: InteractiveKeys.self, forKey: .interactive)
            else { return .unknown }
            if let reply = try? interactive.nestedContainer(keyedBy: ReplyKeys.self, forKey: .buttonReply),
                let id = reply.lenientString(.id)
            {
                return .buttonReply(id: id, title: reply.lenientString(.title))
            }
            if let reply = try? interactive.nestedContainer(keyedBy: ReplyKeys.self, forKey: .listReply),
                let id = reply.lenientString(.id)
            {
                return .listReply(
                    id: id,
                    title: reply.lenientString(.title),
                    description: reply.lenientString(.description)
                )
            }
            return .unknown
        case "button":
            let button = try? container.nestedContainer(keyedBy: ButtonKeys.self, forKey: .button)
            return .button(payload: button?.lenientString(.payload), text: button?.lenientString(.text))
        case "location":
            guard let location = try? container.nestedContainer(keyedBy: LocationKeys.self, forKey: .location),
                let latitude = location.lenientDouble(.latitude), let longitude = location.lenientDouble(.longitude)
            else { return .unknown }
            return .location(
                latitude: latitude,
                longitude: longitude,
                name: location.lenientString(.name),
                address: location.lenientString(.address)
            )
        case "image", "audio", "video", "document", "sticker", "voice":
            let key = CodingKeys(stringValue: type == "voice" ? "audio" : type ?? "") ?? .image
            let media = try? container.nestedContainer(keyedBy: MediaKeys.self, forKey: key)
            return .media(
                kind: type ?? "media",
                id: media?.lenientString(.id),
                mimeType: media?.lenientString(.mimeType),
                caption: media?.lenientString(.caption),
                voice: media?.lenientBool(.voice) == true || type == "voice"
            )
        case "reaction":
            let reaction = try? container.nestedContainer(keyedBy: ReactionKeys.self, forKey: .reaction)
            let emoji = reaction?.lenientString(.emoji)
            return .reaction(
                messageID: reaction?.lenientString(.messageID),
                emoji: emoji?.isEmpty == true ? nil : emoji
            )
        case "contacts":
            let count = (try? container.nestedUnkeyedContainer(forKey: .contacts))?.count ?? 0
            return .contacts(count: count)
        case "order":
            let order = try? container.nestedContainer(keyedBy: OrderKeys.self, forKey: .order)
            return .order(
                catalogID: order?.lenientString(.catalogID),
                items: order?.lossyArray(.productItems).0 ?? [],
                text: order?.lenientString(.text)
            )
        case "system":
            let system = try? container.nestedContainer(keyedBy: SystemKeys.self, forKey: .system)
            return .system(
                System(
                    type: system?.lenientString(.type),
                    body: system?.lenientString(.body),
                    newWaID: system?.lenientString(.newWaID, limit: PayloadText.phoneLength)
                        ?? system?.lenientString(.waID, limit: PayloadText.phoneLength)
                        ?? system?.lenientString(.customer, limit: PayloadText.phoneLength),
                    newUserID: system?.lenientString(.newUserID, limit: PayloadText.nameLength)
                        ?? system?.lenientString(.userID, limit: PayloadText.nameLength)
                )
            )
        case "unsupported": return .unsupported
        default: return .unknown
        }
    }

    /// The text a person typed or tapped, for logs and for the conversation.
    public var text: String? {
        switch content {
        case .text(let body): return body
        case .buttonReply(_, let title), .listReply(_, let title, _): return title
        case .button(let payload, let text): return text ?? payload
        case .media(_, _, _, let caption, _): return caption
        case .location(_, _, let name, let address): return [name, address].compactMap { $0 }.joined(separator: ", ")
        case .reaction(_, let emoji): return emoji
        case .order(_, _, let text): return text
        case .system(let system): return system.body
        case .contacts, .unsupported, .unknown: return nil
        }
    }
}
