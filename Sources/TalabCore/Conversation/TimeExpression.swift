public import Foundation

/// A time a customer asks for, in any of the four languages: `bokra 8 l masa`, `demain à 13h`,
/// `tomorrow 8pm`, `بكرا الساعة ٨ المسا`, `today at 19:30`. Read against now in the business's
/// zone: a bare hour that has passed today, or that reads better as evening, goes forward.
public enum TimeExpression {
    /// The moment meant, or nil when the text names no time.
    public static func resolve(_ text: String, now: Date, timeZone: TimeZone) -> Date? {
        let words = TextNormalizer.words(TextNormalizer.normalize(text)).map(String.init)
        var dayOffset: Int?
        var hour: Int?
        var minute = 0
        var evening: Bool?
        for (index, word) in words.enumerated() {
            if today.contains(word) { dayOffset = 0 }
            if tomorrow.contains(word) { dayOffset = 1 }
            if eveningWords.contains(word) { evening = true }
            if morningWords.contains(word) { evening = false }
            let next = index + 1 < words.count ? words[index + 1] : nil
            guard let (h, m, suffix) = clock(word, next: next) else { continue }
            // A bare number is an hour only where a time is being said: `at 8`, `8 l masa`,
            // `الساعة ٨`; else it is a quantity (`2 shawarma`).
            let bare = word.allSatisfy(\.isNumber)
            let previous = index > 0 ? words[index - 1] : nil
            let following = words.dropFirst(index + 1).prefix(2)
            if bare, !(previous.map(prepositions.contains) ?? false),
                !following.contains(where: { eveningWords.contains($0) || morningWords.contains($0) })
            {
                continue
            }
            hour = h
            minute = m
            if let suffix { evening = suffix }
        }
        // "ce soir", "tonight" name the day and the part of it.
        if words.contains("tonight") || (words.contains("ce") && words.contains("soir")) {
            dayOffset = dayOffset ?? 0
            evening = true
        }
        guard dayOffset != nil || hour != nil else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var hour24 = hour ?? 19
        if let evening, hour24 < 12, evening { hour24 += 12 }
        // Without a.m. or p.m., 1 to 7 are afternoon and evening hours; 8 to 11 stay as said, and the
        // conversation repeats the time it understood for the customer to confirm.
        if evening == nil, let hour, hour >= 1, hour <= 7 { hour24 = hour + 12 }
        let startOfToday = calendar.startOfDay(for: now)
        guard var day = calendar.date(byAdding: .day, value: dayOffset ?? 0, to: startOfToday),
            var moment = calendar.date(bySettingHour: hour24 % 24, minute: minute, second: 0, of: day)
        else { return nil }
        if dayOffset == nil, moment <= now {
            day = calendar.date(byAdding: .day, value: 1, to: day) ?? day
            moment = calendar.date(bySettingHour: hour24 % 24, minute: minute, second: 0, of: day) ?? moment
        }
        return moment
    }

    /// `8`, `8pm`, `20h`, `20h30`, `19:30` (split by the tokenizer into `19`, `30`), `8.30`.
    static func clock(_ word: String, next: String?) -> (Int, Int, Bool?)? {
        var digits = word.prefix(while: \.isNumber)
        guard !digits.isEmpty, let hour = Int(digits), hour <= 24 else { return nil }
        var rest = word.dropFirst(digits.count)
        var minute = 0
        var suffix: Bool?
        if rest == "pm" { suffix = true } else if rest == "am" { suffix = false }
        if rest.hasPrefix("h") {
            rest = rest.dropFirst()
            digits = rest.prefix(while: \.isNumber)
            minute = Int(digits) ?? 0
        } else if !rest.isEmpty, suffix == nil {
            return nil
        } else if rest.isEmpty, let next, next.count == 2, let value = Int(next), value < 60, hour > 0 {
            minute = value
        }
        guard minute < 60, hour > 0 || minute > 0 else { return nil }
        return (hour, minute, suffix)
    }

    static let today: Set<String> = ["today", "aujourd", "lyom", "elyom", "lyoum", "اليوم"]
    static let tomorrow: Set<String> = ["tomorrow", "demain", "bokra", "bukra", "boukra", "بكرا", "بكره", "غدا"]
    static let prepositions: Set<String> = [
        "at", "a", "3a", "3al", "sa3a", "el", "vers", "around", "for", "pour", "l", "الساعه", "ساعه", "عالساعه",
    ]
    static let eveningWords: Set<String> = [
        "pm", "evening", "night", "soir", "masa", "msa", "l2lel", "lel", "المسا", "مسا", "مساء", "بالليل",
    ]
    static let morningWords: Set<String> = ["am", "morning", "matin", "sobe7", "sob7", "الصبح", "صباحا"]
}
