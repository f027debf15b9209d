public import Foundation

/// The 80 webhook bodies of other WhatsApp libraries, read from `../shared` beside the project.
public enum PeerFixtures {
    public static let folder = ExampleCatalog.projectFolder.deletingLastPathComponent()
        .appendingPathComponent("shared/fixtures/whatsapp-peers")

    public static var available: Bool { FileManager.default.fileExists(atPath: folder.path) }
    public static let missing = "../shared/fixtures/whatsapp-peers is not beside the project"

    /// Every fixture's name and exact bytes, in file order.
    public static func all() throws -> [(name: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    public static func named(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The body with every `metadata.phone_number_id` set to `number`, as that tenant would receive it.
    public static func addressed(_ bytes: [UInt8], to number: String) throws -> [UInt8] {
        guard var object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return bytes }
        if var entries = object["entry"] as? [[String: Any]] {
            for entryIndex in entries.indices {
                guard var changes = entries[entryIndex]["changes"] as? [[String: Any]] else { continue }
                for changeIndex in changes.indices {
                    guard var value = changes[changeIndex]["value"] as? [String: Any] else { continue }
                    var metadata = value["metadata"] as? [String: Any] ?? [:]
                    metadata["phone_number_id"] = number
                    value["metadata"] = metadata
                    changes[changeIndex]["value"] = value
                }
                entries[entryIndex]["changes"] = changes
            }
            object["entry"] = entries
        }
        return Array(try JSONSerialization.data(withJSONObject: object))
    }
}
