import Foundation

/// Questions about the menu beyond a price (issue #18), answered from the catalog: the items of a
/// kind ("anything vegetarian?", "shu fi mashrubat?": tags, with the lexicon's words for them),
/// what is in a dish (its description, else its ingredients), what the house recommends (its
/// featured items) and the cheapest. Every name and price comes from the catalog; a kind the menu
/// does not have is said so.
extension Turn {
    mutating func answerMenuQuestion(_ text: String, _ parsed: OrderParser.Result) {
        let runs = IntentClassifier.runs(text)
        func has(_ phrases: Set<String>) -> Bool { !phrases.isDisjoint(with: runs) }
        var seen: Set<String> = []
        let available = engine.menus.flatMap(\.items).filter {
            $0.availability == .available && seen.insert($0.key).inserted
        }
        func list(_ items: [ItemConfig]) -> String {
            items.prefix(10).map { "\(engine.displayName($0, language)) \(engine.money($0.price))" }.joined(
                separator: ", "
            )
        }
        func choices(_ items: [ItemConfig]) -> [EngineReply.Choice] {
            items.prefix(10).map { EngineReply.Choice(id: .item($0.key), title: engine.displayName($0, language)) }
        }
        if has(IntentClassifier.Phrases.recommendWords) {
            let featured = available.filter(\.featured)
            let items = featured.isEmpty ? Array(available.prefix(3)) : featured
            return say("menu_recommend", ["items": list(items)], choices: choices(items))
        }
        if has(IntentClassifier.Phrases.cheapestWords) {
            let items = Array(available.sorted { $0.price < $1.price }.prefix(3))
            return say("menu_cheapest", ["items": list(items)], choices: choices(items))
        }
        if has(IntentClassifier.Phrases.describeWords),
            let key = parsed.lines.first?.itemKey ?? parsed.ambiguous.first?.keys.first,
            let item = engine.items[key]
        {
            let description = item.description ?? item.ingredients.joined(separator: ", ")
            guard !description.isEmpty else {
                return say(
                    "item_price",
                    ["item": engine.displayName(item, language), "price": engine.money(item.price)]
                )
            }
            return say(
                "item_description",
                [
                    "item": engine.displayName(item, language), "price": engine.money(item.price),
                    "description": description,
                ]
            )
        }
        // A kind of thing: the menu's tags, named by the lexicon's words for them or as they are.
        let lexicon = MenuLexicon.shipped
        let tags = Set(available.flatMap(\.tags).map(TextNormalizer.normalize))
        var asked: (word: String, tags: Set<String>)?
        for group in lexicon.tags {
            guard let word = group.first(where: runs.contains) else { continue }
            var wanted = Set(group).intersection(tags)
            for tag in wanted { wanted.formUnion(lexicon.includes[tag] ?? []) }
            asked = (word, wanted)
            if !wanted.isEmpty { break }
        }
        if asked == nil || asked?.tags.isEmpty == true, let tag = tags.first(where: runs.contains) {
            asked = (tag, [tag])
        }
        guard let asked else { return say("not_understood", choices: [menuChoice]) }
        let items = available.filter { !asked.tags.isDisjoint(with: $0.tags.map(TextNormalizer.normalize)) }
        guard !items.isEmpty else { return say("menu_tagged_none", ["tag": asked.word], choices: [menuChoice]) }
        say("menu_tagged", ["tag": asked.word, "items": list(items)], choices: choices(items))
    }
}
