public import Foundation

/// What the customer sent, as the engine reads it.
public enum CustomerInput: Sendable, Equatable {
    case text(String)
    /// A tapped button or list row, by the id it came back with (`ChoiceID`, when it is one Talab built).
    case choice(String)
    case location(latitude: Double, longitude: Double)
    /// A voice note, an image or a file without a caption: nothing to read, but an answer is owed.
    case media(voice: Bool)
}

/// A reply, neutral of WhatsApp's shapes: a text, and the choices to offer (buttons or a list).
public struct EngineReply: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public let id: ChoiceID
        public let title: String
    }

    public let text: String
    public let choices: [Choice]
    /// Which page of a long list of choices to show (a tapped "More…" row asks for the next).
    public let page: Int
    /// Which list the choices are, for the "More…" row's id (`ChoiceID.page`).
    public let list: ChoiceID.PagedList
    /// The phrase it says (`not_understood`, `item_unavailable`…) and the item it names, if any: what
    /// the runtime counts for the business's analytics, never shown.
    public let phrase: String?
    public let item: String?

    init(
        _ text: String,
        choices: [Choice] = [],
        page: Int = 0,
        list: ChoiceID.PagedList = .menu(nil),
        phrase: String? = nil,
        item: String? = nil
    ) {
        self.text = text
        self.phrase = phrase
        self.item = item
        self.choices = choices
        self.page = page
        self.list = list
    }
}

/// Where a delivery goes: a shared location, a typed address, or both.
public struct DeliveryAddress: Sendable, Codable, Equatable {
    public var text: String?
    public var latitude: Double?
    public var longitude: Double?

    public init(text: String? = nil, latitude: Double? = nil, longitude: Double? = nil) {
        self.text = text
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A confirmed order, as the engine hands it to the runtime to place.
public struct OrderRequest: Sendable, Equatable {
    public var cart: Cart
    public var deliveryType: DeliveryType
    public var deliveryFee: Decimal
    public var scheduledFor: Date?
    /// The language the customer wrote in (stored as `language_used`).
    public var language: Language
    public var address: DeliveryAddress?
    public var customerName: String?
    /// The places this order books (a court for an hour): empty for a meal.
    public var bookings: [BookingCalendar.Booking]
}

/// What the conversation asks the runtime to do besides replying.
public enum EngineEffect: Sendable, Equatable {
    /// The customer confirmed: place this order (the runtime gives it the confirmation key).
    case placeOrder(OrderRequest)
    /// The customer asked where their order is: the runtime answers from the orders it holds, in
    /// this language.
    case orderStatus(Language)
    /// The customer asked for a person.
    case handOff
    /// Words beside the items ordered that name nothing the menu has (`pizza` in `2 shawarma w
    /// pizza`), for the business's analytics of what customers asked for and did not get.
    case unmatched([String])
    /// "the same again": the runtime reads the customer's last order and hands its lines to
    /// `ConversationEngine.repeatOrder`.
    case repeatLastOrder
}

/// A conversation's memory between messages; stored by the runtime, survives restarts.
public struct ConversationState: Sendable, Codable, Equatable {
    public enum Awaiting: Sendable, Codable, Equatable {
        case whichItem(quantity: Int)
        /// A required option group of the cart's item.
        case option(item: String, group: String)
        /// A time for the bookable item.
        case slot(item: String)
        case deliveryType
        case location
        case confirmation
    }

    public var language: Language?
    public var cart: Cart
    public var deliveryType: DeliveryType?
    public var deliveryFee: Decimal = 0
    public var awaiting: Awaiting?
    /// When the order is for (a booking's slot, or a meal for later).
    public var scheduledFor: Date?
    public var address: DeliveryAddress?
    public var customerName: String?

    public init(currency: String) { cart = Cart(currency: currency) }
}
