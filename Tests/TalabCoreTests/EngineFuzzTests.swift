import Foundation
import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// Thousands of random and edge-case inputs, the same ones each run (a seeded generator), thrown
/// at every example tenant's engine through whole conversations: none may trap, and every reply
/// keeps to what the engine promises (text, at most the choices a list can page through).
@Suite struct EngineFuzzTests {
    static let tenants: [String: TenantConfig] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let loaded = try? TenantLoader().load(from: WorktreeSource(root: root))
        return Dictionary(uniqueKeysWithValues: (loaded?.tenants ?? []).map { ($0.slug, $0) })
    }()

    static let numbers = [
        "-1", "-5", "0", "1", "99", "100", "1000000", "9223372036854775807", "-9223372036854775808",
        "99999999999999999999", "1e9", "1.5", "٣", "۴", " 2", "+3", "0x10", "NaN",
    ]
    static let prefixes = ["menu", "menu/main", "menu/breakfast", "menu/", "slots", "slot", "option", "item", "branch"]
    static let words = [
        "baddi", "2", "shawarma", "djej", "bala", "toum", "كبة", "٤", "x2", "×3", "menu", "confirm", "delivery",
        "bokra", "8", "l", "masa", "at", "25:99", "padel", "demain", "à", "20h", "sans", "w", "ولا", "", " ",
        "\u{0}", "\u{202E}", "🍔", "\n", ":", "/", "more", "ismi", "wen", "sar", "talabi", "9223372036854775807",
        "99999999999", "-3", "٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩٩", "x9223372036854775807",
    ]

    static func randomID(_ generator: inout SeededGenerator, keys: [String]) -> String {
        func pick(_ list: [String]) -> String { list[Int(generator.next() % UInt64(list.count))] }
        switch generator.next() % 6 {
        case 0: return "\(pick(prefixes)):more:\(pick(numbers))"
        case 1: return "slot:\(pick(keys)):\(pick(numbers))"
        case 2: return "option:\(pick(keys)):\(pick(keys))/\(pick(keys))"
        case 3: return "item:\(pick(keys))"
        case 4: return String(repeating: ":", count: Int(generator.next() % 40))
        default:
            let length = Int(generator.next() % 24)
            return String((0..<length).map { _ in pick([":", "/", "a", "1", "-", "menu", "more", "\u{0}"]) }.joined())
        }
    }

    static func randomText(_ generator: inout SeededGenerator) -> String {
        let count = Int(generator.next() % 12)
        return (0..<count).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
    }

    @Test(arguments: ["abu-salim-grill", "padel-beirut", "salon-rima"])
    func randomInputsNeverTrapTheEngine(_ slug: String) throws {
        let tenant = try #require(EngineFuzzTests.tenants[slug])
        var keys = ["", "-", "size", "x"]
        for menu in tenant.menus {
            keys.append(menu.key)
            for item in menu.items {
                keys.append(item.key)
                for group in item.options { keys += [group.key] + group.choices.map(\.key) }
            }
        }
        var generator = SeededGenerator(seed: 0x7A1A_B000 &+ UInt64(slug.utf8.count))
        var replies = 0
        for branch in [nil] + tenant.branches.map(Optional.some) {
            let engine = ConversationEngine(tenant: tenant, branch: branch)
            for _ in 0..<150 {
                var state = ConversationState(currency: tenant.business.currency)
                var offered: [String] = []
                for _ in 0..<8 {
                    // Real ids the engine offered, mixed with forged ones and texts.
                    let input: CustomerInput
                    switch generator.next() % 4 {
                    case 0: input = .choice(EngineFuzzTests.randomID(&generator, keys: keys))
                    case 1: input = .text(EngineFuzzTests.randomText(&generator))
                    case 2:
                        input = .location(
                            latitude: [-91, 0, 33.89, .nan, .infinity][Int(generator.next() % 5)],
                            longitude: [181, 35.48, -.infinity, .nan][Int(generator.next() % 4)]
                        )
                    default:
                        input = .choice(
                            offered.isEmpty ? "menu" : offered[Int(generator.next() % UInt64(offered.count))]
                        )
                    }
                    let answer = engine.handle(input, state: &state, now: BookingConversationTests.morning)
                    replies += answer.replies.count
                    offered = answer.replies.flatMap { $0.choices.map(\.id.rawValue) }
                    #expect(answer.replies.allSatisfy { !$0.text.isEmpty })
                    #expect(state.cart.lines.allSatisfy { $0.quantity > 0 })
                }
            }
        }
        #expect(replies > 1000)
    }
}
