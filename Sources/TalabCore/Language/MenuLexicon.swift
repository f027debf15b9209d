import Foundation

/// Talab's built-in menu lexicon (`Resources/Lexicon/menu-lexicon.json`), shared by every tenant:
/// the ways customers write a dish, a size or a container that menus never list (`manakish` and
/// مناقيش for منقوشة, `jus` for juice, `zghire` for small). Owners write a name once; a word of a
/// group stands for the group's word their menu uses.
public struct MenuLexicon: Sendable {
    /// Groups of normalized words that name one thing.
    public let groups: [[String]]
    /// Cups, plates, bottles: words that name no item alone (`kasset 3asir` is a juice).
    public let containers: Set<String>

    /// What customers call the kinds of things menus tag (`nabati`, حلويات, `boissons`), each
    /// group's first word the tag's usual key.
    public let tags: [[String]]
    /// The tags a tag takes in: a vegan dish is vegetarian.
    public let includes: [String: [String]]

    public init(groups: [[String]], containers: Set<String>, tags: [[String]] = [], includes: [String: [String]] = [:])
    {
        self.groups = groups
        self.containers = containers
        self.tags = tags
        self.includes = includes
    }

    public static let shipped: MenuLexicon = {
        struct File: Decodable {
            let dishes: [[String]]
            let options: [[String]]
            let containers: [String]
            let tags: [[String]]
            let includes: [String: [String]]
        }
        guard
            let url = Bundle.module.url(forResource: "menu-lexicon", withExtension: "json", subdirectory: "Lexicon")
                ?? Bundle.module.url(forResource: "menu-lexicon", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { preconditionFailure("TalabCore's menu lexicon is missing from its resources") }
        func normalized(_ word: String) -> String { TextNormalizer.normalize(word) }
        return MenuLexicon(
            groups: (file.dishes + file.options).map { $0.map(normalized) },
            containers: Set(file.containers.map(normalized)),
            tags: file.tags.map { $0.map(normalized) },
            includes: file.includes
        )
    }()

    /// For a vocabulary (the words of a tenant's names), each lexicon word it does not have, to the
    /// words of the same group it has: the one in the same script first (`manakish` → `manouche`).
    func substitutes(for vocabulary: Set<String>) -> [String: [String]] {
        var substitutes: [String: [String]] = [:]
        for group in groups {
            let known = group.filter(vocabulary.contains)
            guard !known.isEmpty else { continue }
            for word in group where !vocabulary.contains(word) && substitutes[word] == nil {
                let arabic = Transliteration.isArabicScript(word)
                substitutes[word] =
                    known.filter { Transliteration.isArabicScript($0) == arabic }
                    + known.filter { Transliteration.isArabicScript($0) != arabic }
            }
        }
        return substitutes
    }
}
