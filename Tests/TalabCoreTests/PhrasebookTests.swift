import Foundation
import TalabCore
import Testing

@Suite struct PhrasebookTests {
    @Test func everyLanguageHasEverySentenceWithTheSamePlaceholders() throws {
        let book = Phrasebook.shipped
        let english = try #require(book.tables[.english])
        #expect(english.count >= 30)
        for language in Language.allCases {
            let table = try #require(book.tables[language], "no table for \(language)")
            #expect(
                Set(table.keys) == Set(english.keys),
                "\(language): \(Set(english.keys).symmetricDifference(table.keys))"
            )
            for (key, template) in english {
                #expect(
                    Phrasebook.placeholders(table[key] ?? "") == Phrasebook.placeholders(template),
                    "\(language).\(key)"
                )
            }
        }
    }

    @Test func sentencesAreFilledInTheCustomersLanguage() {
        let book = Phrasebook.shipped
        let values = ["quantity": "2", "item": "Chicken Shawarma", "price": "$9.00"]
        #expect(book.text("item_added", in: .english, values) == "Added 2 × Chicken Shawarma ($9.00).")
        #expect(book.text("item_added", in: .arabizi, values) == "Zedna 2 × Chicken Shawarma ($9.00).")
        #expect(book.text("item_added", in: .french, values).hasPrefix("Ajouté : 2 × Chicken Shawarma"))
        #expect(book.text("item_added", in: .arabic, values).contains("2 × Chicken Shawarma"))
        // An unknown key shows itself rather than an empty message.
        #expect(book.text("no_such_sentence", in: .french) == "no_such_sentence")
    }
}
