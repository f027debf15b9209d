import Foundation

/// What a customer wants from a message, read from its words in any of the four languages, before
/// the conversation's state decides what to do with it (a "yes" confirms only when something waits
/// for a confirmation). Items named in the message are the `OrderParser`'s job; this says what the
/// message is about.
public enum Intent: String, Sendable, CaseIterable {
    case greeting
    case showMenu
    /// "how much is…", "fi …?": a question about an item.
    case itemQuestion
    case addItems
    case removeItem
    case showCart
    case delivery
    case takeaway
    case onSite
    case confirm
    case decline
    case cancel
    case orderStatus
    case openingHours
    case policy
    case human
    case thanks
    case unknown
}

public enum IntentClassifier {
    /// The intents the message shows, strongest first; `namesItems` says whether it named catalog items.
    public static func classify(_ text: String, namesItems: Bool) -> [Intent] {
        let normalized = TextNormalizer.normalize(text)
        let words = TextNormalizer.words(normalized).map(String.init)
        let joined = " " + words.joined(separator: " ") + " "
        func has(_ phrases: [String]) -> Bool {
            phrases.contains { phrase in joined.contains(" " + TextNormalizer.normalize(phrase) + " ") }
        }
        var intents: [Intent] = []
        let question = has(questionWords) || normalized.contains("?") || normalized.contains("؟")
        if has(humanWords) { intents.append(.human) }
        if has(cancelWords) { intents.append(.cancel) }
        if has(statusWords) { intents.append(.orderStatus) }
        if has(hoursWords) { intents.append(.openingHours) }
        if has(policyWords) { intents.append(.policy) }
        if has(removeWords), namesItems { intents.append(.removeItem) }
        if namesItems {
            intents.append(has(priceWords) || (question && !has(orderWords)) ? .itemQuestion : .addItems)
        } else if has(priceWords) {
            intents.append(.showMenu)
        }
        if has(menuWords) { intents.append(.showMenu) }
        if has(cartWords) { intents.append(.showCart) }
        if has(deliveryWords) { intents.append(.delivery) }
        if has(takeawayWords) { intents.append(.takeaway) }
        if has(onSiteWords) { intents.append(.onSite) }
        if has(declineWords) { intents.append(.decline) }
        if has(confirmWords) || text.contains("👍") || text.contains("👌") { intents.append(.confirm) }
        if has(thanksWords) { intents.append(.thanks) }
        if has(greetingWords) { intents.append(.greeting) }
        var seen: Set<Intent> = []
        let unique = intents.filter { seen.insert($0).inserted }
        return unique.isEmpty ? [.unknown] : unique
    }

    static let questionWords = [
        "fi", "fe", "3andkon", "3andak", "do you have", "is there", "est ce que", "avez vous", "vous avez", "في",
        "عندكن",
        "عندكم",
    ]
    static let priceWords = [
        "how much", "price", "cost", "2addesh", "addesh", "2adesh", "adde", "b2addesh", "combien", "prix", "قديش",
        "بكم",
        "سعر", "كم",
    ]
    static let orderWords = [
        "baddi", "bade", "badde", "want", "get", "like", "veux", "voudrais", "بدي", "حط", "zid", "book", "reserve",
        "reserver", "7ajez", "e7jez", "ehjez", "احجز", "بدي احجز",
    ]
    static let menuWords = [
        "menu", "carte", "shu fi", "chou fi", "shou fi", "what do you have", "what do you serve",
        "qu est ce que vous avez",
        "المنيو", "منيو", "شو في", "قائمه", "lista",
    ]
    static let cartWords = [
        "cart", "my order so far", "what did i order", "panier", "ma commande", "shu talabt", "chou talabt", "الطلب",
        "السله", "شو طلبت", "basket", "ai commande", "qu est ce que j ai commande",
    ]
    static let removeWords = [
        "remove", "without the", "take out", "delete", "shil", "chil", "chile", "shile", "enlever", "retirer", "enleve",
        "شيل", "احذف", "بلاها",
    ]
    static let deliveryWords = ["delivery", "deliver", "livraison", "livrer", "livrez", "dilivery", "توصيل", "ديليفري"]
    static let takeawayWords = [
        "takeaway", "take away", "pick up", "pickup", "collect", "emporter", "a emporter", "bmor2o", "bemra2", "استلم",
        "بمرق", "تيك اواي",
    ]
    static let onSiteWords = ["dine in", "eat there", "sur place", "3al ma7al", "bel ma7al", "بالمحل", "عالمحل"]
    static let confirmWords = [
        "yes", "yep", "confirm", "confirmed", "go ahead", "oui", "d accord", "je confirme", "eh", "ee", "akid", "tamem",
        "tamam", "tayeb", "yalla", "ok", "okay", "نعم", "اكيد", "تمام", "ايه", "اي", "موافق",
    ]
    static let declineWords = ["no", "nope", "non", "la2", "la la", "mish", "la ma baddi", "لا", "لأ", "مش"]
    static let cancelWords = [
        "cancel", "annuler", "annule", "lghi", "elghe", "lghe", "ilghi", "batalt", "ma baddi shi", "الغي", "بطلت",
        "الغاء",
    ]
    static let statusWords = [
        "where is my order", "order status", "status", "wen sar", "wein sar", "ween sar", "sar el talab", "ou en est",
        "où en est", "وين صار", "وين الطلب", "ليش تاخر", "still waiting", "late",
    ]
    static let hoursWords = [
        "open", "opened", "close", "closed", "closing", "hours", "emta", "btsakro", "btfta7o", "btftaho", "ouvert",
        "ouverts", "ouverte", "ouvre",
        "ouvrez", "fermez", "ferme", "horaires", "heures", "ايمتى", "بتسكروا", "بتفتحوا", "مفتوح", "مسكر", "دوام",
    ]
    static let policyWords = [
        "refund", "rembourse", "remboursement", "policy", "delivery fee", "frais de livraison", "cancellation policy",
        "return", "استرجاع", "سياسه", "رسوم التوصيل",
    ]
    static let humanWords = [
        "human", "person", "agent", "real person", "someone", "talk to", "quelqu un", "une personne", "7ada", "hada",
        "shakhes", "موظف", "حدا", "شخص",
    ]
    static let thanksWords = [
        "thanks", "thank you", "thx", "merci", "shukran", "chukran", "yislamo", "teslam", "شكرا", "يسلمو",
        "يعطيك العافيه",
    ]
    static let greetingWords = [
        "hi", "hello", "hey", "bonjour", "bonsoir", "salut", "marhaba", "mar7aba", "ahla", "kifak", "kifik", "hala",
        "sabaho", "مرحبا", "اهلا", "السلام عليكم", "كيفك", "صباح الخير",
    ]
}
