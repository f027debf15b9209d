public import Foundation
import TalabConfig
public import TalabCore

/// A folder of conversation files (YAML): customers' lines with what the engine must make of them,
/// replayed against the tenants of a repository. Used by the tests and `talab bench conversation`.
///
/// ```yaml
/// tenant: abu-salim-grill     # a folder of Tenants/
/// branch: hamra               # optional
/// now: "2026-11-26 13:00"     # the business's local time
/// language: arabizi           # what every line is written in, unless a line says otherwise
/// lines:                      # each line from a fresh conversation
///   - say: baddi 2 shawarma djej kbir bala toum
///     intent: addItems
///     cart: ["2 chicken-shawarma +remove/no-toum +size/large"]
/// conversations:              # turns sharing one conversation
///   - name: restart in the middle of a cart
///     turns:
///       - { say: "2 falafel", cart: ["2 falafel-sandwich"] }
///       - restart: true       # the state goes through its stored JSON
///       - { tap: takeaway, awaiting: confirmation }
///       - { location: [33.9, 35.48] }
///       - { say: "yes", effect: placeOrder, reply_has: "…" }
/// ```
public struct ConversationCorpus: Sendable {
    /// One customer input and what must come of it.
    public struct Turn: Sendable {
        public enum Input: Sendable {
            case say(String)
            case tap(String)
            case location(Double, Double)
            case restart
        }

        public var input: Input
        public var language: Language?
        public var intent: Intent?
        public var cart: [String]?
        public var awaiting: String?
        public var effect: String?
        public var replyHas: [String] = []
        public var line: Int
    }

    public struct Script: Sendable {
        public var file: String
        public var tenant: String
        public var branch: String?
        public var now: Date
        /// Independent lines (each a conversation of one turn) and longer conversations.
        public var conversations: [(name: String, turns: [Turn])]
    }

    public var scripts: [Script]

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The businesses of the `Tenants/` folder beside a corpus folder, if it has one, validated as
    /// `talab plan` would; a tenant with errors is an error naming them.
    public static func tenants(beside folder: URL) throws -> [TenantConfig] {
        let root = folder.standardizedFileURL.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Tenants").path) else { return [] }
        let validation = try TenantLoader().load(from: WorktreeSource(root: root))
        guard validation.isValid else {
            throw FormatError(description: validation.errors.map { "\($0)" }.joined(separator: "\n"))
        }
        return validation.tenants
    }

    /// Reads every `.yaml` file of the folder.
    public static func load(from folder: URL) throws -> ConversationCorpus {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        guard !files.isEmpty else { throw FormatError(description: "\(folder.path): no .yaml conversation files") }
        return ConversationCorpus(
            scripts: try files.map { name in
                let url = folder.appendingPathComponent(name)
                return try read(Array(try Data(contentsOf: url)), file: url.path)
            }
        )
    }

    static func read(_ bytes: [UInt8], file: String) throws -> Script {
        let document: YAMLParser.Document
        do {
            document = try YAMLParser().parse(bytes)
        } catch {
            throw FormatError(description: "\(file):\(error.mark): error: \(error.message)")
        }
        if let problem = document.problems.first {
            throw FormatError(description: "\(file):\(problem.mark): error: \(problem.message)")
        }
        guard let root = document.root, let fields = mapping(root) else {
            throw FormatError(description: "\(file):1:1: error: a conversation file is a mapping")
        }
        func fail(_ node: YAMLNode, _ message: String) -> FormatError {
            FormatError(description: "\(file):\(node.mark): error: \(message)")
        }
        guard let tenant = fields["tenant"].flatMap(text) else { throw fail(root, "'tenant' is required") }
        guard let nowText = fields["now"].flatMap(text), let now = localDate(nowText) else {
            throw fail(root, "'now' is required, as \"YYYY-MM-DD HH:MM\" in the business's time")
        }
        let language = try fields["language"].map { node -> Language in
            guard let value = text(node).flatMap(Language.init(rawValue:)) else {
                throw fail(node, "language is one of \(Language.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        func turn(_ node: YAMLNode) throws -> Turn {
            guard let fields = mapping(node) else { throw fail(node, "a turn is a mapping") }
            let input: Turn.Input
            if let say = fields["say"].flatMap(text) {
                input = .say(say)
            } else if let tap = fields["tap"].flatMap(text) {
                input = .tap(tap)
            } else if let location = fields["location"], case .sequence(let pair) = location.kind, pair.count == 2,
                let latitude = text(pair[0]).flatMap(Double.init), let longitude = text(pair[1]).flatMap(Double.init)
            {
                input = .location(latitude, longitude)
            } else if fields["restart"] != nil {
                input = .restart
            } else {
                throw fail(node, "a turn needs say, tap, location [lat, lon] or restart")
            }
            var turn = Turn(input: input, language: language, line: node.mark.line)
            if let node = fields["language"] {
                guard let value = text(node).flatMap(Language.init(rawValue:)) else {
                    throw fail(node, "unknown language")
                }
                turn.language = value
            }
            if let node = fields["intent"] {
                guard let value = text(node).flatMap(Intent.init(rawValue:)) else {
                    throw fail(node, "intent is one of \(Intent.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                turn.intent = value
            }
            if let node = fields["cart"] {
                guard case .sequence(let lines) = node.kind else { throw fail(node, "cart is a list of lines") }
                turn.cart = lines.compactMap(text).map(normalizedLine)
            }
            turn.awaiting = fields["awaiting"].flatMap(text)
            turn.effect = fields["effect"].flatMap(text)
            if let node = fields["reply_has"] {
                if case .sequence(let items) = node.kind {
                    turn.replyHas = items.compactMap(text)
                } else if let one = text(node) {
                    turn.replyHas = [one]
                }
            }
            return turn
        }
        var conversations: [(String, [Turn])] = []
        if let lines = fields["lines"] {
            guard case .sequence(let nodes) = lines.kind else { throw fail(lines, "lines is a list") }
            for node in nodes { conversations.append(("line \(node.mark.line)", [try turn(node)])) }
        }
        if let node = fields["conversations"] {
            guard case .sequence(let nodes) = node.kind else { throw fail(node, "conversations is a list") }
            for conversation in nodes {
                guard let fields = mapping(conversation), let turns = fields["turns"],
                    case .sequence(let turnNodes) = turns.kind
                else { throw fail(conversation, "a conversation has a name and a list of turns") }
                let name = fields["name"].flatMap(text) ?? "conversation at line \(conversation.mark.line)"
                conversations.append((name, try turnNodes.map(turn)))
            }
        }
        return Script(
            file: file,
            tenant: tenant,
            branch: fields["branch"].flatMap(text),
            now: now,
            conversations: conversations
        )
    }

    /// `2 chicken-shawarma +size/large +remove/no-toum`, options in a stable order.
    static func normalizedLine(_ line: String) -> String {
        let parts = line.split(separator: " ").map(String.init)
        let options = parts.filter { $0.hasPrefix("+") }.sorted()
        return (parts.filter { !$0.hasPrefix("+") } + options).joined(separator: " ")
    }

    static func describe(_ cart: Cart) -> [String] {
        cart.lines.map { line in
            normalizedLine(
                (["\(line.quantity) \(line.itemKey)"] + line.options.map { "+\($0.key)" }).joined(separator: " ")
            )
        }.sorted()
    }

    static func mapping(_ node: YAMLNode) -> [String: YAMLNode]? {
        guard case .mapping(let pairs) = node.kind else { return nil }
        var fields: [String: YAMLNode] = [:]
        for pair in pairs {
            if case .scalar(let key, _) = pair.key.kind { fields[key] = pair.value }
        }
        return fields
    }

    static func text(_ node: YAMLNode) -> String? {
        guard case .scalar(let value, _) = node.kind, !node.isNull else { return nil }
        return value
    }

    /// The wall-clock time, read in the tenant's zone later: kept as a UTC stand-in here.
    static func localDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)
    }
}

/// The corpus replayed: accuracy per language, grounding, and the engine's time per message.
public struct CorpusReport: Sendable {
    public struct Tally: Sendable {
        public var intents = 0
        public var intentsRight = 0
        public var carts = 0
        public var cartsExact = 0
        public var languages = 0
        public var languagesRight = 0
        public var turns = 0
        public var turnsPassed = 0
        /// Carts holding a line the customer did not ask for: what they would pay for wrongly
        /// (a miss only leaves out or asks; this is the worst failure).
        public var wrongCarts = 0
        /// Lines whose words fit several items, and how many of them the engine asked about.
        public var clarifications = 0
        public var clarificationsAsked = 0
    }

    public var byLanguage: [Language: Tally] = [:]
    /// Lines a language model was asked about, and those whose proposal the engine used.
    public var modelAsked = 0
    public var modelUsed = 0
    /// Every expectation not met: `file:line: …`.
    public var failures: [String] = []
    /// Replies that name an amount or an item the catalog does not back.
    public var ungrounded: [String] = []
    /// The engine's time for each message, in seconds.
    public var engineSeconds: [Double] = []

    public var turns: Int { byLanguage.values.reduce(0) { $0 + $1.turns } }

    public func percentile(_ fraction: Double) -> Double { TalabBench.percentile(fraction, of: engineSeconds) }

    /// A table per language: intents, exact carts, language detection, turns passed.
    public var text: String {
        func percent(_ right: Int, _ all: Int) -> String {
            all == 0 ? "     -" : String(format: "%5.1f%%", Double(right) * 100 / Double(all))
        }
        var lines = ["language   turns  passed  intent          exact cart      language  wrong cart  asked"]
        for language in Language.allCases {
            guard let tally = byLanguage[language] else { continue }
            lines.append(
                language.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                    + String(format: "  %5d  ", tally.turns) + percent(tally.turnsPassed, tally.turns)
                    + "  " + percent(tally.intentsRight, tally.intents) + String(format: " (%3d)", tally.intents)
                    + "  " + percent(tally.cartsExact, tally.carts) + String(format: " (%3d)", tally.carts)
                    + "  " + percent(tally.languagesRight, tally.languages)
                    + String(format: "  %10d", tally.wrongCarts)
                    + (tally.clarifications == 0
                        ? "      -" : String(format: "  %d/%d", tally.clarificationsAsked, tally.clarifications))
            )
        }
        lines.append("ungrounded replies: \(ungrounded.count)")
        lines.append(
            String(
                format: "engine time per message: median %.3f ms, p99 %.3f ms, max %.3f ms (%d messages)",
                percentile(0.5) * 1000,
                percentile(0.99) * 1000,
                (engineSeconds.max() ?? 0) * 1000,
                engineSeconds.count
            )
        )
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A line of a corpus a language model is asked about: where it is, what the engine gives the
/// model, and the conversation it was read in.
public struct ModelTurn: Sendable {
    public let key: String
    public let text: String
    public let context: ModelContext
    public let basis: ConversationState
}

/// A model's proposal for a line of a corpus, and the conversation it was made on.
public struct ModelProposal: Sendable {
    public let basis: ConversationState
    public let actions: [ModelAction]

    public init(basis: ConversationState, actions: [ModelAction]) {
        self.basis = basis
        self.actions = actions
    }
}

extension ConversationCorpus {
    /// Replays every script against its tenant; `tenants` by folder name. With a model `mode`, the
    /// lines the runtime would ask a model about are handed to `asking`, and a `proposals` entry
    /// for a line (by `file:line`) made on the same conversation is applied as the runtime applies one.
    public func run(
        tenants: [String: TenantConfig],
        model mode: ModelMode = .off,
        proposals: [String: ModelProposal] = [:],
        asking: ((ModelTurn) -> Void)? = nil
    ) throws -> CorpusReport {
        var report = CorpusReport()
        let clock = ContinuousClock()
        for script in scripts {
            guard let tenant = tenants[script.tenant] else {
                throw FormatError(description: "\(script.file): no valid tenant '\(script.tenant)' in the repository")
            }
            let branch = script.branch.flatMap { key in tenant.branches.first { $0.key == key } }
            let engine = ConversationEngine(tenant: tenant, branch: branch)
            let parser = OrderParser(menus: tenant.menus)
            let grounding = Grounding(tenant: tenant)
            // `now` was written as the business's wall-clock time.
            let zone = TimeZone(identifier: tenant.business.timezone) ?? .current
            let now = script.now.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: script.now)))
            for (_, turns) in script.conversations {
                var state = ConversationState(currency: tenant.business.currency)
                for turn in turns {
                    let input: CustomerInput
                    switch turn.input {
                    case .say(let text): input = .text(text)
                    case .tap(let id): input = .choice(id)
                    case .location(let latitude, let longitude):
                        input = .location(latitude: latitude, longitude: longitude)
                    case .restart:
                        let stored = try JSONEncoder().encode(state)
                        state = try JSONDecoder().decode(ConversationState.self, from: stored)
                        continue
                    }
                    let language = turn.language ?? tenant.business.defaultLanguage ?? .english
                    let started = clock.now
                    let before = state
                    var (replies, effects) = engine.handle(input, state: &state, now: now)
                    let elapsed = clock.now - started
                    report.engineSeconds.append(
                        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    )
                    if mode != .off, case .say(let text) = turn.input,
                        mode == .always || ConversationEngine.unsure(replies)
                    {
                        let key = "\(script.file):\(turn.line)"
                        report.modelAsked += 1
                        if let proposal = proposals[key], proposal.basis == before {
                            var proposed = before
                            if let result = engine.handle(
                                model: proposal.actions,
                                text: text,
                                state: &proposed,
                                now: now
                            ) {
                                (state, replies, effects) = (proposed, result.replies, result.effects)
                                report.modelUsed += 1
                            }
                        } else if let asking {
                            let hint =
                                mode == .always
                                ? "cart: " + ConversationCorpus.describe(state.cart).joined(separator: "; ") : nil
                            asking(
                                ModelTurn(
                                    key: key,
                                    text: text,
                                    context: engine.modelContext(
                                        for: text,
                                        state: before,
                                        now: now,
                                        engineReading: hint
                                    ),
                                    basis: before
                                )
                            )
                        }
                    }
                    var tally = report.byLanguage[language, default: .init()]
                    var passed = true
                    func miss(_ what: String) {
                        passed = false
                        let said: String
                        switch turn.input {
                        case .say(let text): said = "\"\(text)\""
                        case .tap(let id): said = "tap \(id)"
                        case .location(let latitude, let longitude): said = "location \(latitude),\(longitude)"
                        case .restart: said = "restart"
                        }
                        let file = URL(fileURLWithPath: script.file).lastPathComponent
                        report.failures.append("\(file):\(turn.line): \(said): \(what)")
                    }
                    if let expected = turn.language, case .say = turn.input {
                        tally.languages += 1
                        if state.language == expected {
                            tally.languagesRight += 1
                        } else {
                            miss("language \(state.language?.rawValue ?? "none"), expected \(expected.rawValue)")
                        }
                    }
                    if let expected = turn.intent, case .say(let text) = turn.input {
                        let parsed = parser.parse(text)
                        let intent = IntentClassifier.classify(text, parsed: parsed)[0]
                        tally.intents += 1
                        if intent == expected {
                            tally.intentsRight += 1
                        } else {
                            miss("intent \(intent.rawValue), expected \(expected.rawValue)")
                        }
                    }
                    if let expected = turn.cart {
                        tally.carts += 1
                        let got = ConversationCorpus.describe(state.cart)
                        if got == expected.sorted() {
                            tally.cartsExact += 1
                        } else {
                            var unasked = got
                            for line in expected.map(ConversationCorpus.normalizedLine) {
                                if let index = unasked.firstIndex(of: line) { unasked.remove(at: index) }
                            }
                            if !unasked.isEmpty { tally.wrongCarts += 1 }
                            miss("cart \(got), expected \(expected)\(unasked.isEmpty ? "" : " (wrong: \(unasked))")")
                        }
                    }
                    if let awaiting = turn.awaiting {
                        let got = state.awaiting.map { "\($0)" } ?? "nothing"
                        if awaiting == "whichItem" {
                            tally.clarifications += 1
                            if got.hasPrefix(awaiting) { tally.clarificationsAsked += 1 }
                        }
                        if !got.hasPrefix(awaiting) { miss("awaiting \(got), expected \(awaiting)") }
                    }
                    if let effect = turn.effect {
                        let got = effects.map { "\($0)".split(separator: "(").first.map(String.init) ?? "" }
                        if !got.contains(effect) { miss("effects \(got), expected \(effect)") }
                    }
                    let texts = replies.map(\.text) + replies.flatMap { $0.choices.map(\.title) }
                    for wanted in turn.replyHas where !texts.contains(where: { $0.contains(wanted) }) {
                        miss("no reply has '\(wanted)': \(replies.map(\.text))")
                    }
                    for reply in replies {
                        for problem in grounding.problems(in: reply, cart: state.cart, effects: effects) {
                            report.ungrounded.append("\(script.file):\(turn.line): \(problem)")
                        }
                    }
                    tally.turns += 1
                    if passed { tally.turnsPassed += 1 }
                    report.byLanguage[language] = tally
                }
            }
        }
        return report
    }
}
