import CLibYAML

/// Reads one YAML document with libyaml's event parser into `YAMLNode`s with positions.
///
/// The system libyaml has no nesting or alias limits of its own, so they are enforced here: a file
/// over `maxBytes`, nesting deeper than `maxDepth`, or aliases that expand to more than
/// `maxAliasNodes` nodes (the "billion laughs") are errors, never a crash or a hang.
public struct YAMLParser: Sendable {
    public var maxBytes = 1 << 20
    public var maxDepth = 64
    public var maxAliasNodes = 1_000

    public init() {}

    /// The document's root (nil when the file holds no document) and the problems found that did not stop parsing.
    public struct Document: Sendable {
        public let root: YAMLNode?
        public let problems: [YAMLProblem]
    }

    public func parse(_ bytes: [UInt8]) throws(YAMLProblem) -> Document {
        guard bytes.count <= maxBytes else {
            throw YAMLProblem(
                "the file is \(bytes.count) bytes; tenant files are limited to \(maxBytes) bytes",
                at: SourceMark(line: 1, column: 1),
                code: "file_too_large"
            )
        }
        if let zero = bytes.firstIndex(of: 0) {
            throw YAMLProblem(
                "this is not a text file (it contains a NUL byte)",
                at: YAMLParser.mark(ofOffset: zero, in: bytes),
                code: "binary_file"
            )
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLProblem("libyaml could not start", at: SourceMark(line: 1, column: 1), code: "yaml_syntax")
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLProblem) -> Document in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = DocumentBuilder(limits: self)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw YAMLParser.syntaxError(parser, bytes: bytes)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return Document(root: builder.root, problems: builder.problems)
        }
    }

    static func syntaxError(_ parser: yaml_parser_t, bytes: [UInt8]) -> YAMLProblem {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        if parser.error == YAML_READER_ERROR {
            return YAMLProblem(
                "the file is not valid UTF-8 text (\(problem))",
                at: mark(ofOffset: Int(parser.problem_offset), in: bytes),
                code: "yaml_syntax"
            )
        }
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            let start = SourceMark(line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
            message += " (\(context) that starts at \(start))"
        }
        if bytes.contains(9) && (problem.contains("cannot start any token") || problem.contains("tab")) {
            message += "; YAML indents with spaces, never tabs"
        }
        let mark = SourceMark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        return YAMLProblem(message, at: mark, code: "yaml_syntax")
    }

    /// The line and column of a byte offset, counting UTF-8 characters as editors do.
    static func mark(ofOffset offset: Int, in bytes: [UInt8]) -> SourceMark {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == 10 {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceMark(line: line, column: column)
    }
}

/// A problem in a YAML file at a position: a syntax error, or one the parser noticed on the way.
public struct YAMLProblem: Error, Sendable {
    public let message: String
    public let mark: SourceMark
    /// A stable code: `yaml_syntax`, `duplicate_key`, `file_too_large`, `binary_file`, `too_deep`, …
    public let code: String

    public init(_ message: String, at mark: SourceMark, code: String) {
        self.message = message
        self.mark = mark
        self.code = code
    }
}

/// A sequence or mapping whose end event has not come yet. A class, so that adding a child
/// appends in place instead of copying the collection out of the stack and back.
private final class OpenCollection {
    let mark: SourceMark
    let anchor: String?
    let isMapping: Bool
    var items: [YAMLNode] = []
    var pairs: [YAMLPair] = []
    var pendingKey: YAMLNode?
    /// Keys seen so far, indexed once the mapping grows past a few keys.
    var index: [String: SourceMark] = [:]
    /// Every node below this one, aliases expanded, for the alias bound.
    var size = 0

    init(mark: SourceMark, anchor: String?, isMapping: Bool) {
        self.mark = mark
        self.anchor = anchor
        self.isMapping = isMapping
    }

    var node: YAMLNode { YAMLNode(isMapping ? .mapping(pairs) : .sequence(items), at: mark) }
}

/// Builds nodes from libyaml's events with a stack of open collections.
private struct DocumentBuilder {
    static let indexFrom = 16
    let limits: YAMLParser
    var stack: [OpenCollection] = []
    var root: YAMLNode?
    var documents = 0
    var problems: [YAMLProblem] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var aliasNodes = 0

    init(limits: YAMLParser) { self.limits = limits }

    mutating func handle(_ event: yaml_event_t) throws(YAMLProblem) {
        let mark = SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLProblem(
                    "a tenant file holds one YAML document; remove this second one (or the `---` line)",
                    at: mark,
                    code: "multiple_documents"
                )
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(
                decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)),
                as: UTF8.self
            )
            let node = YAMLNode(.scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), at: mark)
            if let anchor = anchorName(scalar.anchor) { anchors[anchor] = (node, 1) }
            add(node, size: 1)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let (node, size) = anchors[name] else {
                throw YAMLProblem("the alias *\(name) names no anchor defined before it", at: mark, code: "yaml_syntax")
            }
            aliasNodes += size
            guard aliasNodes <= limits.maxAliasNodes else {
                throw YAMLProblem(
                    "aliases expand to more than \(limits.maxAliasNodes) nodes; write the values out instead",
                    at: mark,
                    code: "alias_expansion"
                )
            }
            add(node, size: size)
        case YAML_SEQUENCE_START_EVENT:
            try open(OpenCollection(mark: mark, anchor: anchorName(event.data.sequence_start.anchor), isMapping: false))
        case YAML_MAPPING_START_EVENT:
            try open(OpenCollection(mark: mark, anchor: anchorName(event.data.mapping_start.anchor), isMapping: true))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let collection = stack.popLast() else { return }
            let node = collection.node
            if let anchor = collection.anchor { anchors[anchor] = (node, 1 + collection.size) }
            add(node, size: 1 + collection.size)
        default:
            break
        }
    }

    private func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private mutating func open(_ collection: OpenCollection) throws(YAMLProblem) {
        guard stack.count < limits.maxDepth else {
            throw YAMLProblem("nesting is deeper than \(limits.maxDepth) levels", at: collection.mark, code: "too_deep")
        }
        stack.append(collection)
    }

    private mutating func add(_ node: YAMLNode, size: Int) {
        guard let top = stack.last else {
            root = node
            return
        }
        top.size += size
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let key = top.pendingKey else {
            top.pendingKey = node
            return
        }
        top.pendingKey = nil
        if case .scalar(let text, _) = key.kind {
            if let first = firstMark(of: text, in: top) {
                problems.append(
                    YAMLProblem(
                        "duplicate key '\(text)' (first at line \(first.line)); a key appears once per mapping",
                        at: key.mark,
                        code: "duplicate_key"
                    )
                )
            } else if top.pairs.count >= DocumentBuilder.indexFrom {
                top.index[text] = key.mark
            }
        }
        top.pairs.append(YAMLPair(key: key, value: node))
    }

    /// Where a key first appeared in the mapping: a scan while it is small, its index once it grows.
    private func firstMark(of text: String, in mapping: OpenCollection) -> SourceMark? {
        if mapping.pairs.count < DocumentBuilder.indexFrom {
            for pair in mapping.pairs {
                if case .scalar(let earlier, _) = pair.key.kind, earlier == text { return pair.key.mark }
            }
            return nil
        }
        if mapping.pairs.count == DocumentBuilder.indexFrom && mapping.index.isEmpty {
            for pair in mapping.pairs {
                if case .scalar(let earlier, _) = pair.key.kind, mapping.index[earlier] == nil {
                    mapping.index[earlier] = pair.key.mark
                }
            }
        }
        return mapping.index[text]
    }
}
