import Foundation
import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// Tenant folders written to disk and validated; every rule's diagnostic is asserted with its position.
@Suite struct ValidationTests {
    static let business = "name: Abu Salim\ntype: restaurant\ncurrency: USD\n"
    static let menu = "name: Main\nitems:\n  - key: hummus\n    name: Hummus\n    price: 3.50\n"

    /// Validates a tenant `abu-salim` made of these files (paths inside the tenant folder).
    static func validate(_ files: [String: String], more: [String: [String: String]] = [:]) throws -> TenantValidation {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "talab-tenants-\(UUID().uuidString.prefix(8))"
        )
        defer { try? FileManager.default.removeItem(at: root) }
        for (tenant, tenantFiles) in more.merging(["abu-salim": files], uniquingKeysWith: { $1 }) {
            for (path, text) in tenantFiles {
                let url = root.appendingPathComponent("Tenants/\(tenant)/\(path)")
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try Data(text.utf8).write(to: url)
            }
        }
        return try TenantLoader().load(from: WorktreeSource(root: root))
    }

    static func messages(_ validation: TenantValidation) -> [String] {
        validation.diagnostics.map(\.description)
    }

    @Test func aMinimalTenantIsValid() throws {
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business, "menus/main.yaml": ValidationTests.menu,
        ])
        #expect(validation.diagnostics.isEmpty)
        let tenant = try #require(validation.tenants.first)
        #expect(tenant.slug == "abu-salim")
        #expect(tenant.business.timezone == "Asia/Beirut")
        #expect(tenant.menus.first?.items.first?.price == Decimal(string: "3.50"))
        #expect(validation.summary == "1 tenant, 0 branches, 1 menu, 1 item: 0 errors, 0 warnings")
    }

    /// (what is wrong, the file's path in the tenant, its text, the one diagnostic expected)
    static let rules: [(String, String, String, String)] = [
        (
            "missing required field", "business.yaml", "name: A\ntype: restaurant\n",
            "business.yaml:1:1: error: business.yaml needs 'currency'"
        ),
        (
            "enumeration", "business.yaml", business + "default_language: klingon\n",
            "business.yaml:4:19: error: default_language must be one of arabic, arabizi, english, french, got 'klingon'"
        ),
        (
            "unknown key with suggestion", "business.yaml", business + "timezon: Asia/Beirut\n",
            "business.yaml:4:1: error: unknown key 'timezon' in business.yaml; did you mean 'timezone'?"
        ),
        (
            "auto-reject minutes out of range", "business.yaml", business + "settings:\n  auto_reject_minutes: 0\n",
            "business.yaml:5:24: error: auto_reject_minutes must be between 1 and 240, got 0"
        ),
        (
            "IANA time zone", "business.yaml", business + "timezone: Beirut\n",
            "business.yaml:4:11: error: timezone 'Beirut' is not an IANA time zone such as Asia/Beirut"
        ),
        (
            "ISO 4217 currency", "business.yaml", "name: A\ntype: restaurant\ncurrency: XYZ\n",
            "business.yaml:3:11: error: currency 'XYZ' is not an ISO 4217 code such as USD or LBP"
        ),
        (
            "E.164 phone", "business.yaml", business + "contact_phone_number: \"01 234 567\"\n",
            "business.yaml:4:23: error: contact_phone_number must be in E.164 form, like \"+9611234567\", got '01 234 567'"
        ),
        (
            "HH:MM time", "business.yaml", business + "opening_hours:\n  monday: { open: \"9am\", close: \"17:00\" }\n",
            "business.yaml:5:19: error: open must be a time as HH:MM between 00:00 and 24:00, got '9am'"
        ),
        (
            "24:00 only as a close", "business.yaml",
            business + "opening_hours:\n  monday: { open: \"24:00\", close: \"02:00\" }\n",
            "business.yaml:5:19: error: open cannot be 24:00; only a closing time may be 24:00"
        ),
        (
            "literal secret", "business.yaml",
            business
                + "whatsapp:\n  phone_number: \"+96170000001\"\n  phone_number_id: \"1065403522\"\n  access_token: EAAGm0PX4ZCpsBAKZAe\n",
            "business.yaml:7:17: error: access_token must name where the secret lives, like { env: ABU_SALIM_WA_TOKEN }; never write a token in git"
        ),
        (
            "negative price", "menus/main.yaml", "name: Main\nitems:\n  - { key: a, name: A, price: -1.00 }\n",
            "menus/main.yaml:3:31: error: price cannot be negative, got -1.00"
        ),
        (
            "more than 2 decimals", "menus/main.yaml",
            "name: Main\nitems:\n  - key: grill\n    name: Grill\n    price: 4.555\n",
            "menus/main.yaml:5:12: error: price must have at most 2 decimal places, got 4.555"
        ),
        (
            "key format", "menus/main.yaml", "name: Main\nitems:\n  - { key: Hummus Plate, name: A, price: 1 }\n",
            "menus/main.yaml:3:12: error: key 'Hummus Plate' must be lowercase letters, digits and hyphens, starting and ending with a letter or digit"
        ),
        (
            "required group without enough choices", "menus/main.yaml",
            "name: Main\nitems:\n  - key: a\n    name: A\n    price: 1\n    options:\n      - key: size\n        name: Size\n        required: true\n        max: 2\n        choices:\n          - { key: small, name: Small }\n",
            "menus/main.yaml:10:14: error: max is 2 but the group has only 1 choices"
        ),
        (
            "max below min", "menus/main.yaml",
            "name: Main\nitems:\n  - key: a\n    name: A\n    price: 1\n    options:\n      - key: sauces\n        name: Sauces\n        min: 2\n        max: 1\n        choices:\n          - { key: toum, name: Toum }\n          - { key: chili, name: Chili }\n",
            "menus/main.yaml:10:14: error: max (1) is below min (2)"
        ),
        (
            "image must exist", "menus/main.yaml", "name: Main\nimage: images/nope.jpg\n",
            "menus/main.yaml:2:8: error: image 'images/nope.jpg' does not exist in this tenant's folder"
        ),
        (
            "renamed_from names itself", "menus/main.yaml",
            "name: Main\nitems:\n  - { key: a, name: A, price: 1, renamed_from: a }\n",
            "menus/main.yaml:3:48: error: renamed_from names the item's own key"
        ),
        (
            "boolean from YAML 1.1", "business.yaml", business + "settings: { allow_delivery: yes }\n",
            "business.yaml:4:29: error: allow_delivery must be true or false; 'yes' is not a boolean here"
        ),
        (
            "octal-looking integer", "branches/hamra.yaml", "name: Hamra\navg_preparation_time_minutes: 0777\n",
            "branches/hamra.yaml:2:31: error: avg_preparation_time_minutes must be a whole number: leading zeros are not allowed (YAML 1.1 reads 0777 as an octal number)"
        ),
        (
            "exponent price", "menus/main.yaml", "name: Main\nitems:\n  - { key: a, name: A, price: 1e3 }\n",
            "menus/main.yaml:3:31: error: price must be a number written in digits, like 4.50; got '1e3'"
        ),
        (
            "seconds in a time", "business.yaml",
            business + "opening_hours: { monday: { open: 12:30:00, close: \"17:00\" } }\n",
            "business.yaml:4:34: error: open must be a time as HH:MM between 00:00 and 24:00, got '12:30:00'"
        ),
        ("null name", "menus/main.yaml", "name: ~\n", "menus/main.yaml:1:7: error: name is empty"),
        (
            "unknown menu on a branch", "branches/hamra.yaml", "name: Hamra\nmenus: [mian]\n",
            "branches/hamra.yaml:2:9: error: there is no menus/mian.yaml"
        ),
        (
            "duplicate key", "business.yaml", business + "name: Again\n",
            "business.yaml:4:1: error: duplicate key 'name' (first at line 1); a key appears once per mapping"
        ),
        (
            "tab indent", "business.yaml", "name: A\ntype: restaurant\ncurrency: USD\nlocation:\n\tcity: Beirut\n",
            "business.yaml:5:1: error: found character that cannot start any token (while scanning for the next token that starts at 5:1); YAML indents with spaces, never tabs"
        ),
        (
            "unclosed quote", "business.yaml", "name: \"Abu Salim\ntype: restaurant\n",
            "business.yaml:3:1: error: found unexpected end of stream (while scanning a quoted scalar that starts at 1:7)"
        ),
    ]

    @Test(arguments: rules)
    func everyRuleReportsItsPosition(_ rule: (String, String, String, String)) throws {
        let (_, path, text, expected) = rule
        var files = ["business.yaml": ValidationTests.business, "menus/main.yaml": ValidationTests.menu]
        files[path] = text
        if path.hasPrefix("branches/") == false { files["branches/hamra.yaml"] = "name: Hamra\nmenus: [main]\n" }
        let validation = try ValidationTests.validate(files)
        #expect(ValidationTests.messages(validation) == ["Tenants/abu-salim/" + expected], "\(rule.0)")
        #expect(!validation.isValid)
    }

    @Test func aFolderNameThatIsNotASlugIsReportedAndItsFilesStillChecked() throws {
        let validation = try ValidationTests.validate(
            ["business.yaml": ValidationTests.business],
            more: ["Abu_Salim": ["business.yaml": "name: Abu Salim\ntype: restaurant\ncurrency: usd\n"]]
        )
        #expect(
            ValidationTests.messages(validation) == [
                "Tenants/Abu_Salim/business.yaml:1:1: error: the folder name 'Abu_Salim' is the business's slug: 2 to 40 lowercase letters, digits and hyphens",
                "Tenants/Abu_Salim/business.yaml:3:11: error: currency 'usd' is not an ISO 4217 code such as USD or LBP",
            ]
        )
    }

    @Test func aFileWithFiveErrorsReportsFive() throws {
        let menu = """
            name: Main
            items:
              - key: a
                name: A
                price: 1.234
              - key: B
                name: B
                price: 2
              - key: c
                name: C
                price: 3
                availability: sold_out
              - key: d
                name: D
                price: 4
                featured: maybe
              - key: e
                name: E
                price: 5
                tags: wraps
            """
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business, "menus/main.yaml": menu,
        ])
        #expect(validation.errors.count == 5)
        #expect(validation.errors.map(\.line) == [5, 6, 12, 16, 20])
        #expect(
            validation.errors.map(\.code) == [
                "too_many_decimals", "invalid_key", "invalid_value", "not_a_boolean", "wrong_type",
            ]
        )
    }

    @Test func yaml11TrapsBehaveAsDocumented() throws {
        let business = """
            name: no
            type: restaurant
            currency: USD
            location: { city: on, floor: 0777, notes: ~ }
            opening_hours:
              monday: { open: 08:00, close: 12:30 }
            """
        let validation = try ValidationTests.validate(["business.yaml": business])
        let tenant = try #require(validation.tenants.first)
        #expect(tenant.business.name == "no")
        #expect(tenant.business.location?.city == "on")
        #expect(tenant.business.location?.floor == "0777")
        #expect(tenant.business.location?.notes == nil)
        #expect(
            tenant.business.openingHours[.monday]
                == .open([OpeningInterval(open: TimeOfDay("08:00")!, close: TimeOfDay("12:30")!)])
        )
        #expect(validation.isValid)
        #expect(validation.diagnostics.map(\.code) == ["yaml11_ambiguous", "yaml11_ambiguous"])
        #expect(validation.diagnostics.map(\.line) == [1, 4])
    }

    @Test func overnightHoursCloseAfterMidnight() throws {
        let business =
            ValidationTests.business
            + "opening_hours:\n  friday: { open: \"11:00\", close: \"02:00\" }\n  sunday: closed\n"
        let tenant = try #require(try ValidationTests.validate(["business.yaml": business]).tenants.first)
        guard case .open(let intervals) = tenant.business.openingHours[.friday] else {
            Issue.record("friday should be open")
            return
        }
        #expect(intervals.first?.crossesMidnight == true)
        #expect(tenant.business.openingHours[.sunday] == .closed)
    }

    @Test func aLiteralTokenIsNeverEchoed() throws {
        let secret = "EAAGm0PX4ZCpsBAKZAeLiteralToken"
        let business =
            ValidationTests.business
            + "whatsapp: { phone_number: \"+96170000001\", phone_number_id: \"1065403522\", access_token: \(secret) }\n"
        let validation = try ValidationTests.validate(["business.yaml": business])
        #expect(validation.errors.count == 1)
        for format in DiagnosticFormat.allCases {
            #expect(!format.render(validation.diagnostics).contains(secret))
        }
    }

    @Test func phoneNumberIDsAreUniqueAcrossTenantsAndBranches() throws {
        let whatsapp =
            "whatsapp: { phone_number: \"+96170000001\", phone_number_id: \"106540352242922\", access_token: { env: T } }\n"
        let validation = try ValidationTests.validate(
            ["business.yaml": ValidationTests.business + whatsapp, "branches/hamra.yaml": "name: Hamra\n" + whatsapp],
            more: ["padel": ["business.yaml": "name: Padel\ntype: sports_court\ncurrency: USD\n" + whatsapp]]
        )
        #expect(
            ValidationTests.messages(validation) == [
                "Tenants/abu-salim/branches/hamra.yaml:2:60: error: phone_number_id 106540352242922 is already used by Tenants/abu-salim/business.yaml:4:60; each WhatsApp number belongs to one business or branch",
                "Tenants/padel/business.yaml:4:60: error: phone_number_id 106540352242922 is already used by Tenants/abu-salim/business.yaml:4:60; each WhatsApp number belongs to one business or branch",
            ]
        )
    }

    @Test func itemKeysAreUniqueAcrossMenusAndRenamesDoNotCollide() throws {
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business,
            "menus/main.yaml": ValidationTests.menu
                + "  - { key: moutabal, name: Moutabal, price: 3, renamed_from: hummus }\n",
            "menus/breakfast.yaml": "name: Breakfast\nitems:\n  - { key: hummus, name: Hummus, price: 3 }\n",
        ])
        #expect(
            ValidationTests.messages(validation) == [
                "Tenants/abu-salim/menus/main.yaml:3:5: error: item key 'hummus' is already used at Tenants/abu-salim/menus/breakfast.yaml:3:5",
                "Tenants/abu-salim/menus/main.yaml:6:5: error: renamed_from 'hummus' is still the key of the item at Tenants/abu-salim/menus/breakfast.yaml:3:5; an old key must be free",
            ]
        )
    }

    @Test func anItemKeyUsedTwiceInOneMenuAndARenameClaimedTwiceAreReported() throws {
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business,
            "menus/main.yaml": ValidationTests.menu + "  - { key: hummus, name: Hummus again, price: 4 }\n"
                + "  - { key: fattoush, name: Fattoush, price: 4, renamed_from: salad }\n"
                + "  - { key: tabbouleh, name: Tabbouleh, price: 4, renamed_from: salad }\n",
        ])
        #expect(
            ValidationTests.messages(validation) == [
                "Tenants/abu-salim/menus/main.yaml:6:5: error: item key 'hummus' is already used at Tenants/abu-salim/menus/main.yaml:3:5",
                "Tenants/abu-salim/menus/main.yaml:8:5: error: 'salad' is already renamed by the item at Tenants/abu-salim/menus/main.yaml:7:5",
            ]
        )
    }

    /// Positions sit in a map beside the model, by the keys that name each part.
    @Test func everyPartsPositionIsInTheTenantsSourceMap() throws {
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business
                + "policies:\n  - { type: refund, description: No refunds }\n"
                + "date_overrides:\n  - { date: \"2026-12-25\", closed: true }\n",
            "branches/hamra.yaml": "name: Hamra\n"
                + "whatsapp: { phone_number: \"+96170000001\", phone_number_id: \"106540352242922\", access_token: { env: T } }\n"
                + "policies:\n  - { type: delivery, description: Within 3 km }\n",
            "menus/main.yaml": ValidationTests.menu
                + "    options:\n      - key: size\n        name: Size\n        choices:\n"
                + "          - { key: large, name: Large, price: 1 }\n",
        ])
        #expect(validation.isValid, "\(ValidationTests.messages(validation))")
        let sources = try #require(validation.tenants.first).sources
        func at(_ part: SourceMap.Part) -> String? { sources[part]?.description }
        #expect(at(.business) == "Tenants/abu-salim/business.yaml:1:1")
        #expect(at(.policy(branch: nil, key: "refund")) == "Tenants/abu-salim/business.yaml:5:5")
        #expect(at(.dateOverride(branch: nil, date: "2026-12-25")) == "Tenants/abu-salim/business.yaml:7:5")
        #expect(at(.branch("hamra")) == "Tenants/abu-salim/branches/hamra.yaml:1:1")
        #expect(at(.whatsappNumber(branch: "hamra")) == "Tenants/abu-salim/branches/hamra.yaml:2:60")
        #expect(at(.whatsappToken(branch: "hamra")) == "Tenants/abu-salim/branches/hamra.yaml:2:93")
        #expect(at(.policy(branch: "hamra", key: "delivery")) == "Tenants/abu-salim/branches/hamra.yaml:4:5")
        #expect(at(.menu("main")) == "Tenants/abu-salim/menus/main.yaml:1:1")
        #expect(at(.item("hummus")) == "Tenants/abu-salim/menus/main.yaml:3:5")
        #expect(at(.optionGroup(item: "hummus", group: "size")) == "Tenants/abu-salim/menus/main.yaml:7:9")
        #expect(
            at(.optionChoice(item: "hummus", group: "size", choice: "large"))
                == "Tenants/abu-salim/menus/main.yaml:10:13"
        )
        #expect(at(.policy(branch: nil, key: "delivery")) == nil)
    }

    @Test func malformedFilesDoNotStopTheRun() throws {
        var binary = Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01])
        binary.append(contentsOf: Array(repeating: 0xFF, count: 20))
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business,
            "menus/main.yaml": String(decoding: binary, as: UTF8.self),
            "menus/drinks.yaml": "name: Drinks\nitems: [ { key: ayran, name: Ayran, price: 1.25 }\n",
            "branches/hamra.yaml": "name: Hamra\nmin_order_value: 8.005\n",
        ])
        #expect(
            validation.errors.map(\.file) == [
                "Tenants/abu-salim/branches/hamra.yaml", "Tenants/abu-salim/menus/drinks.yaml",
                "Tenants/abu-salim/menus/main.yaml",
            ]
        )
        #expect(validation.tenants.first?.menus.isEmpty == true)
    }

    @Test func hostileYAMLIsRefusedNotObeyed() throws {
        let laughs = (1...9).map { level in
            "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]"
        }
        let bomb = "l0: &l0 lol\n" + laughs.joined(separator: "\n") + "\n"
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        let large = "name: A\nnotes: \"" + String(repeating: "x", count: 1 << 20) + "\"\n"
        let validation = try ValidationTests.validate([
            "business.yaml": ValidationTests.business,
            "menus/bomb.yaml": bomb,
            "menus/deep.yaml": deep,
            "menus/large.yaml": large,
        ])
        #expect(validation.errors.map(\.code).sorted() == ["alias_expansion", "file_too_large", "too_deep"])
        let depth = try #require(validation.errors.first { $0.code == "too_deep" })
        #expect((depth.line, depth.column) == (1, 65))
    }
}
