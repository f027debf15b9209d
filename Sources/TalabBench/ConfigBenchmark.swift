import CLibYAML
public import Foundation
public import TalabConfig
import TalabStore

#if canImport(Glibc)
import Glibc
#endif

/// `talab bench config`: validate a generated repository of many tenants at a commit, and find the
/// tenants a commit changed.
public struct ConfigBenchmark: Sendable {
    public var tenants: Int
    public var items: Int
    /// How many times each measurement runs; the report keeps the fastest and the median.
    public var repetitions: Int
    /// Where to leave the generated repository (for profiling `talab validate` on it); nil deletes it.
    public var keepAt: URL?

    public init(tenants: Int = 1000, items: Int = 50, repetitions: Int = 5, keepAt: URL? = nil) {
        self.tenants = tenants
        self.items = items
        self.repetitions = repetitions
        self.keepAt = keepAt
    }

    public struct Report: Sendable {
        public let files: Int
        public let bytes: Int
        public let generateSeconds: Double
        /// Reading every blob of `Tenants/` at the commit through libgit2.
        public let readSeconds: [Double]
        /// libyaml's event parser alone over the same bytes, one core: the floor under any YAML loader.
        public let libyamlSeconds: [Double]
        /// Reading, parsing and validating: what `talab validate` does.
        public let validateSeconds: [Double]
        public let changedTenantsSeconds: [Double]
        public let changedTenants: [String]
        public let diagnostics: Int
        public let peakMemoryBytes: Int
        public let summary: String
    }

    /// Generates the repository in a temporary folder, measures, and deletes it.
    public func run(progress: @Sendable (String) -> Void) throws -> Report {
        let folder =
            keepAt ?? FileManager.default.temporaryDirectory.appendingPathComponent("talab-bench-config-\(UUID())")
        defer { if keepAt == nil { try? FileManager.default.removeItem(at: folder) } }
        progress("generating \(tenants) tenants × \(items) items in \(folder.path)")
        let clock = ContinuousClock()
        let generateStart = clock.now
        let generated = try generate(in: folder)
        try ConfigBenchmark.git(folder, ["init", "-q", "-b", "main"])
        try ConfigBenchmark.git(folder, ["add", "-A"])
        try ConfigBenchmark.git(
            folder,
            [
                "-c", "user.name=Bench", "-c", "user.email=bench@talab.example", "commit", "-q", "-m",
                "Generated tenants",
            ]
        )
        let changedSlug = ConfigBenchmark.slug(tenants / 2)
        let menu = folder.appendingPathComponent("Tenants/\(changedSlug)/menus/main.yaml")
        let text = try String(contentsOf: menu, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "price: 4.50", with: "price: 4.75").utf8).write(to: menu)
        try ConfigBenchmark.git(
            folder,
            ["-c", "user.name=Bench", "-c", "user.email=bench@talab.example", "commit", "-q", "-am", "Raise a price"]
        )
        let generateSeconds = ConfigBenchmark.seconds(clock.now - generateStart)

        let repository = try GitRepository(discoveringFrom: folder.path)
        let head = try repository.commit("HEAD")
        progress("reading \(generated.files) files at \(head.shortSHA), \(repetitions) times")
        var readSeconds: [Double] = []
        for _ in 0..<repetitions {
            let start = clock.now
            _ = try repository.files(at: head, under: TenantLoader.folder)
            readSeconds.append(ConfigBenchmark.seconds(clock.now - start))
        }
        let blobs = try repository.files(at: head, under: TenantLoader.folder).map(\.bytes)
        progress("parsing the same bytes with libyaml's event parser alone, \(repetitions) times")
        var libyamlSeconds: [Double] = []
        for _ in 0..<repetitions {
            let start = clock.now
            var events = 0
            for bytes in blobs { events += ConfigBenchmark.countEvents(bytes) }
            precondition(events > 0, "libyaml produced no events")
            libyamlSeconds.append(ConfigBenchmark.seconds(clock.now - start))
        }
        progress("validating at \(head.shortSHA), \(repetitions) times")
        var validateSeconds: [Double] = []
        var validation: TenantValidation?
        for _ in 0..<repetitions {
            let start = clock.now
            validation = try TenantLoader().load(from: GitCommitSource(repository: repository, revision: "HEAD"))
            validateSeconds.append(ConfigBenchmark.seconds(clock.now - start))
        }
        progress("listing the tenants changed by the last commit")
        var changedSeconds: [Double] = []
        var changed: [String] = []
        let previous = try repository.commit("HEAD~1")
        for _ in 0..<max(repetitions, 20) {
            let start = clock.now
            changed = try ConfigBenchmark.changedTenants(repository, from: previous, to: head)
            changedSeconds.append(ConfigBenchmark.seconds(clock.now - start))
        }
        return Report(
            files: generated.files,
            bytes: generated.bytes,
            generateSeconds: generateSeconds,
            readSeconds: readSeconds,
            libyamlSeconds: libyamlSeconds,
            validateSeconds: validateSeconds,
            changedTenantsSeconds: changedSeconds,
            changedTenants: changed,
            diagnostics: validation?.diagnostics.count ?? 0,
            peakMemoryBytes: ConfigBenchmark.peakMemoryBytes(),
            summary: validation?.summary ?? ""
        )
    }

    /// The tenants whose folder's tree id differs between two commits: one tree read per commit.
    public static func changedTenants(
        _ repository: GitRepository,
        from old: GitCommit,
        to new: GitCommit
    ) throws
        -> [String]
    {
        let before = try repository.entries(at: old, in: TenantLoader.folder)
        let after = try repository.entries(at: new, in: TenantLoader.folder)
        return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    }

    /// Parses with libyaml and throws every event away: what parsing costs before any Swift value exists.
    static func countEvents(_ bytes: [UInt8]) -> Int {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return 0 }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            var count = 0
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                count += 1
                if event.type == YAML_STREAM_END_EVENT { break }
            }
            return count
        }
    }

    static func slug(_ index: Int) -> String { "tenant-\(String(format: "%04d", index))" }

    private func generate(in folder: URL) throws -> (files: Int, bytes: Int) {
        var files = 0
        var bytes = 0
        for index in 0..<tenants {
            let slug = ConfigBenchmark.slug(index)
            let base = folder.appendingPathComponent("Tenants/\(slug)")
            try FileManager.default.createDirectory(
                at: base.appendingPathComponent("branches"),
                withIntermediateDirectories: true
            )
            try FileManager.default.createDirectory(
                at: base.appendingPathComponent("menus"),
                withIntermediateDirectories: true
            )
            let number = 106_540_000_000 + index * 10
            let contents = [
                "business.yaml": ConfigBenchmark.business(index: index, phoneNumberID: number),
                "branches/main.yaml": ConfigBenchmark.branch(phoneNumberID: number + 1),
                "menus/main.yaml": menu(),
            ]
            for (path, text) in contents {
                let data = Data(text.utf8)
                try data.write(to: base.appendingPathComponent(path))
                files += 1
                bytes += data.count
            }
        }
        return (files, bytes)
    }

    static func business(index: Int, phoneNumberID: Int) -> String {
        """
        name: Generated Business \(index)
        type: restaurant
        default_language: arabizi
        timezone: Asia/Beirut
        currency: USD
        contact_phone_number: "+9611\(String(format: "%06d", index))"
        whatsapp:
          phone_number: "+9617\(String(format: "%07d", index))"
          phone_number_id: "\(phoneNumberID)"
          access_token: { env: TENANT_\(index)_WA_TOKEN }
        opening_hours:
          monday: { open: "11:00", close: "23:30" }
          friday: { open: "11:00", close: "02:00" }
          sunday: closed
        date_overrides:
          - { date: 2026-12-25, closed: true, note: Christmas }
        policies:
          - { type: delivery, description: "Free delivery above $20." }

        """
    }

    static func branch(phoneNumberID: Int) -> String {
        """
        name: Main branch
        location: { city: Beirut, street: Hamra Street, latitude: 33.8959, longitude: 35.4828 }
        min_order_value: 8.00
        service_radius_km: 3.5
        delivery_fee_rules:
          - { up_to_km: 2, fee: 1.00 }
          - { up_to_km: 3.5, fee: 2.00 }
        menus: [main]

        """
    }

    func menu() -> String {
        var text = "name: Main menu\nshared: true\nitems:\n"
        for item in 0..<items {
            text += """
                  - key: item-\(item)
                    name: Item \(item)
                    translations: { arabic: صنف \(item), french: Plat \(item) }
                    aliases: [sanf \(item), plat \(item)]
                    price: \(item == 0 ? "4.50" : "\(item % 20 + 1).25")
                    tags: [generated]
                    options:
                      - key: size
                        name: Size
                        required: true
                        max: 1
                        choices:
                          - { key: regular, name: Regular, price: 0 }
                          - { key: large, name: Large, price: 1.50 }

                """
        }
        return text
    }

    static func git(_ folder: URL, _ arguments: [String]) throws {
        guard let git = Subprocess.find("git") else { throw ClusterError("git is not installed") }
        let outcome = try Subprocess.runBlocking(git, ["-C", folder.path] + arguments)
        guard outcome.succeeded else { throw ClusterError("git \(arguments.first ?? "") failed: \(outcome.output)") }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The process's peak resident memory, from the kernel.
    static func peakMemoryBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
