import Foundation

/// The id of a button or list row Talab sends, read back when the customer taps it. Built and read
/// here only: the customer's app echoes the id, but anyone holding the app secret can sign any id,
/// so reading one never traps and refuses whatever Talab did not build.
///
/// | id | meaning |
/// | --- | --- |
/// | `menu` | show the menu (or the menus to pick from) |
/// | `menu:more:N`, `menu/KEY`, `menu/KEY:more:N` | page N of all menus' items, or of one menu's |
/// | `slots:more:N` | page N of the free times offered |
/// | `confirm`, `change` | the order's summary answered |
/// | `delivery`, `takeaway`, `on_site` | how the order is served |
/// | `slot:ITEM:SECONDS` | a free time for a bookable item (Unix seconds) |
/// | `option:ITEM:GROUP/CHOICE` | a choice of one of the item's option groups |
/// | `item:ITEM` | an item, from the menu or a clarifying question |
/// | `branch:KEY` | the branch, on a number several branches share |
public enum ChoiceID: Sendable, Hashable {
    case menu
    /// A page of a long list: `list` says which, `page` counts from 0.
    case page(PagedList, Int)
    case confirm
    case change
    case deliveryType(DeliveryType)
    case slot(item: String, start: Int)
    case option(item: String, group: String, choice: String)
    case item(String)
    case branch(String)

    /// A list long enough to be paged.
    public enum PagedList: Sendable, Hashable {
        /// All menus' items (nil) or one menu's.
        case menu(String?)
        case slots

        var prefix: String {
            switch self {
            case .menu(nil): return "menu"
            case .menu(let key?): return "menu/\(key)"
            case .slots: return "slots"
            }
        }
    }

    /// Pages beyond this are not built (a list of 10,000 pages is not a menu); larger numbers are refused.
    public static let maxPage = 10_000
    /// The Cloud API takes button ids up to 256 characters; nothing longer is ours.
    public static let maxLength = 256

    public var rawValue: String {
        switch self {
        case .menu: return "menu"
        case .page(.menu(let key?), 0): return "menu/\(key)"
        case .page(let list, let page): return "\(list.prefix):more:\(page)"
        case .confirm: return "confirm"
        case .change: return "change"
        case .deliveryType(let type): return type.rawValue
        case .slot(let item, let start): return "slot:\(item):\(start)"
        case .option(let item, let group, let choice): return "option:\(item):\(group)/\(choice)"
        case .item(let key): return "item:\(key)"
        case .branch(let key): return "branch:\(key)"
        }
    }

    /// Reads an id; nil for anything Talab would not have built (empty parts, a key with `:` or
    /// `/`, a negative or huge page, a time that is not whole seconds).
    public init?(rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= ChoiceID.maxLength else { return nil }
        let parts = rawValue.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            switch parts[0] {
            case "menu": self = .menu
            case "confirm": self = .confirm
            case "change": self = .change
            default:
                if let type = DeliveryType(rawValue: parts[0]) {
                    self = .deliveryType(type)
                } else if let key = ChoiceID.menuKey(parts[0]) {
                    self = .page(.menu(key), 0)
                } else {
                    return nil
                }
            }
        case 2:
            guard ChoiceID.isKey(parts[1]) else { return nil }
            switch parts[0] {
            case "item": self = .item(parts[1])
            case "branch": self = .branch(parts[1])
            default: return nil
            }
        case 3:
            switch parts[0] {
            case "slot":
                guard ChoiceID.isKey(parts[1]), let start = ChoiceID.number(parts[2], in: 0...ChoiceID.latestSlot)
                else { return nil }
                self = .slot(item: parts[1], start: start)
            case "option":
                let choice = parts[2].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard ChoiceID.isKey(parts[1]), choice.count == 2, choice.allSatisfy(ChoiceID.isKey) else { return nil }
                self = .option(item: parts[1], group: choice[0], choice: choice[1])
            default:
                guard parts[1] == "more", let page = ChoiceID.number(parts[2], in: 0...ChoiceID.maxPage) else {
                    return nil
                }
                switch parts[0] {
                case "menu": self = .page(.menu(nil), page)
                case "slots": self = .page(.slots, page)
                default:
                    guard let key = ChoiceID.menuKey(parts[0]) else { return nil }
                    self = .page(.menu(key), page)
                }
            }
        default:
            return nil
        }
    }

    /// Year 9999: a slot later than this is not one Talab offered.
    static let latestSlot = 253_402_300_799

    /// A key as the tenant files allow it: 1 to 64 of `a-z`, `0-9`, `-` (and `_`, `.` to be lenient),
    /// so never a separator of this grammar, a space or a control character.
    static func isKey(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95 || byte == 46
                    || (byte >= 65 && byte <= 90)
            }
    }

    static func menuKey(_ part: String) -> String? {
        guard part.hasPrefix("menu/") else { return nil }
        let key = String(part.dropFirst(5))
        return isKey(key) ? key : nil
    }

    /// Decimal digits only (no sign, no spaces), within `range`.
    static func number(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let value = Int(text), range.contains(value)
        else { return nil }
        return value
    }
}
