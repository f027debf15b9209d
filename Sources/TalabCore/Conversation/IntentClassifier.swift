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
    /// "anything vegetarian?", "what's in the mixed grill?", "what do you recommend?": a question
    /// about the menu the catalog answers (tags, descriptions, featured items, prices).
    case menuQuestion
    /// "the same again", "nafs el talab": the customer's last order, once more.
    case repeatOrder
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
    /// The intents of a message read against a menu: a kind of thing asked about (`what drinks
    /// do you have?`) names no item even where a word of a name is the kind's (Soft Drink).
    public static func classify(_ text: String, parsed: OrderParser.Result) -> [Intent] {
        let runs = IntentClassifier.runs(text)
        let asking =
            text.contains("?") || text.contains("؟") || !Phrases.kindQuestionWords.isDisjoint(with: runs)
            || !Phrases.questionWords.isDisjoint(with: runs)
        let kindAsked = asking && !Phrases.kindWords.isDisjoint(with: runs)
        let onlyKinds =
            !parsed.namesWholeItem
            && parsed.partialWords.allSatisfy { runs.contains($0) && Phrases.kindWords.contains($0) }
        return classify(text, namesItems: parsed.namesItems && !(kindAsked && onlyKinds))
    }

    /// The intents the message shows, strongest first; `namesItems` says whether it named catalog items.
    public static func classify(_ text: String, namesItems: Bool) -> [Intent] {
        let normalized = TextNormalizer.normalize(text)
        let runs = IntentClassifier.runs(text)
        func has(_ phrases: Set<String>) -> Bool { !phrases.isDisjoint(with: runs) }
        var intents: [Intent] = []
        // "do you have moutabal? 2 please", "fi kebbe? baddi 3": a question answered with a number
        // in the same message is an order.
        let afterQuestion = normalized.split(
            omittingEmptySubsequences: false,
            whereSeparator: { $0 == "?" || $0 == "؟" }
        )
        let answered =
            afterQuestion.count > 1
            && TextNormalizer.words(String(afterQuestion.last ?? "")).contains {
                NumberWords.quantity($0) != nil && !["a", "an", "un", "une"].contains(String($0))
            }
        let question =
            !answered && (has(Phrases.questionWords) || normalized.contains("?") || normalized.contains("؟"))
        if has(Phrases.humanWords) { intents.append(.human) }
        if has(Phrases.cancelWords) { intents.append(.cancel) }
        if has(Phrases.statusWords) { intents.append(.orderStatus) }
        if has(Phrases.hoursWords) { intents.append(.openingHours) }
        if has(Phrases.policyWords) { intents.append(.policy) }
        // "the same again" is its own words: a word of it that happens to fit a name is not an order.
        if has(Phrases.repeatWords) { return [.repeatOrder] }
        // Questions the catalog answers beyond a price: a kind of thing (tags), what is in a dish,
        // what the house recommends, the cheapest.
        if has(Phrases.recommendWords) || has(Phrases.cheapestWords)
            || (has(Phrases.describeWords) && namesItems)
            || (!namesItems && has(Phrases.kindWords) && (question || has(Phrases.kindQuestionWords)))
        {
            intents.append(.menuQuestion)
        }
        if has(Phrases.removeWords), namesItems { intents.append(.removeItem) }
        if namesItems {
            intents.append(
                has(Phrases.priceWords) || (question && !has(Phrases.orderWords)) ? .itemQuestion : .addItems
            )
        } else if has(Phrases.priceWords) {
            intents.append(.showMenu)
        }
        if has(Phrases.menuWords) { intents.append(.showMenu) }
        if has(Phrases.cartWords) { intents.append(.showCart) }
        if has(Phrases.deliveryWords) { intents.append(.delivery) }
        if has(Phrases.takeawayWords) { intents.append(.takeaway) }
        if has(Phrases.onSiteWords) { intents.append(.onSite) }
        if has(Phrases.declineWords) { intents.append(.decline) }
        if has(Phrases.confirmWords) || text.contains("👍") || text.contains("👌") { intents.append(.confirm) }
        if has(Phrases.thanksWords) { intents.append(.thanks) }
        if has(Phrases.greetingWords) { intents.append(.greeting) }
        var seen: Set<Intent> = []
        let unique = intents.filter { seen.insert($0).inserted }
        return unique.isEmpty ? [.unknown] : unique
    }

    /// Every run of up to `Phrases.longest` words of the text, normalized: phrases are looked up
    /// among them instead of searched for in the text.
    static func runs(_ text: String) -> Set<String> {
        let words = TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init)
        var runs = Set<String>()
        for start in words.indices {
            var run = ""
            for end in start..<min(words.count, start + Phrases.longest) {
                run += (end == start ? "" : " ") + words[end]
                runs.insert(run)
            }
        }
        return runs
    }

    /// The first number the text states (digits or spelled out; not an article).
    static func number(in text: String) -> Int? {
        TextNormalizer.words(TextNormalizer.normalize(text)).lazy.map(String.init)
            .filter { !["a", "an", "un", "une"].contains($0) }.compactMap(NumberWords.quantity).first
    }

    /// The phrase lists, normalized once as the messages are.
    enum Phrases {
        static func normalized(_ phrases: [String]) -> Set<String> {
            Set(phrases.map { TextNormalizer.words(TextNormalizer.normalize($0)).joined(separator: " ") })
        }
        static let questionWords = normalized(IntentClassifier.questionWords)
        static let priceWords = normalized(IntentClassifier.priceWords)
        static let orderWords = normalized(IntentClassifier.orderWords)
        static let menuWords = normalized(IntentClassifier.menuWords)
        static let cartWords = normalized(IntentClassifier.cartWords)
        static let removeWords = normalized(IntentClassifier.removeWords)
        static let recommendWords = normalized(IntentClassifier.recommendWords)
        static let repeatWords = normalized(IntentClassifier.repeatWords)
        static let cheapestWords = normalized(IntentClassifier.cheapestWords)
        static let describeWords = normalized(IntentClassifier.describeWords)
        static let kindQuestionWords = normalized(IntentClassifier.kindQuestionWords)
        /// Every word of every phrase list: words of asking, never of an item.
        static let vocabulary = Set(asking.joined().flatMap { $0.split(separator: " ").map(String.init) })
        /// Every word of the lexicon's tag groups (`vegetarian`, `nabati`, حلويات, `boissons`).
        static let kindWords = Set(MenuLexicon.shipped.tags.joined())
        static let deliveryWords = normalized(IntentClassifier.deliveryWords)
        static let takeawayWords = normalized(IntentClassifier.takeawayWords)
        static let onSiteWords = normalized(IntentClassifier.onSiteWords)
        static let confirmWords = normalized(IntentClassifier.confirmWords)
        static let declineWords = normalized(IntentClassifier.declineWords)
        static let cancelWords = normalized(IntentClassifier.cancelWords)
        static let statusWords = normalized(IntentClassifier.statusWords)
        static let hoursWords = normalized(IntentClassifier.hoursWords)
        static let policyWords = normalized(IntentClassifier.policyWords)
        static let humanWords = normalized(IntentClassifier.humanWords)
        static let thanksWords = normalized(IntentClassifier.thanksWords)
        static let greetingWords = normalized(IntentClassifier.greetingWords)
        /// Every list of words of asking (the kinds of thing are words of the menu's, not asking).
        static let asking: [Set<String>] = [
            questionWords, priceWords, orderWords, menuWords, cartWords, removeWords, recommendWords, cheapestWords,
            describeWords, kindQuestionWords, repeatWords, deliveryWords, takeawayWords, onSiteWords, confirmWords,
            declineWords, cancelWords, statusWords, hoursWords, policyWords, humanWords, thanksWords, greetingWords,
        ]
        static let longest = (asking + [kindWords]).joined().map { $0.split(separator: " ").count }.max() ?? 1
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
    static let recommendWords = [
        "recommend", "recommendation", "recommendations", "suggest", "suggestion", "what's good", "whats good",
        "best seller", "most popular", "btnsa7", "btnsa7ni", "btnsa7na", "tnsa7ni", "tnsa7na", "bet2oulna",
        "بتنصح", "بتنصحني", "بتنصحنا", "انصحني", "تنصحني", "recommandez", "recommandes", "conseillez", "conseilles",
        "suggérez", "specialite", "spécialité", "spécialités",
    ]
    static let repeatWords = [
        "same again", "the same again", "same as last time", "same order", "same as before", "my usual", "the usual",
        "repeat my order", "repeat my last order", "order again", "nafs el talab", "nafs l talab", "nafs el order",
        "nafs l order", "metl l marra l madye", "metel l marra l madye", "metl el marra l madye", "نفس الطلب",
        "نفس الطلبية", "متل المرة الماضية", "مثل المرة الماضية", "زي المرة الماضية", "la meme chose",
        "même chose", "meme chose", "comme d'habitude", "comme d habitude", "comme la derniere fois",
        "comme la dernière fois", "la même commande", "la meme commande",
    ]
    static let cheapestWords = [
        "cheapest", "least expensive", "lowest price", "arkhas", "ar5as", "arkhass", "أرخص", "ارخص",
        "moins cher", "le moins cher", "moins chère",
    ]
    static let describeWords = [
        "what's in", "whats in", "what is in", "what comes with", "what's on", "whats on", "what is on",
        "ingredients", "description", "made of", "shu fi bel", "shu fi bil", "chou fi bel", "shu fiya", "shu fi 3al",
        "shu bi", "qu est ce qu il y a dans", "qu y a t il dans", "c est quoi", "il y a quoi dans", "mkawinet",
        "مكونات", "شو فيها", "شو فيه",
    ]
    /// Words that make a kind of thing a question without a question mark ("which salads do you have").
    static let kindQuestionWords = [
        "what", "which", "any", "anything", "do you have", "shu", "chou", "shou", "fi shi", "fi chi", "شو", "في شي",
        "quel", "quels", "quelle", "quelles", "avez vous", "vous avez",
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
