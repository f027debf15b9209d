import Crypto
public import Foundation

/// Ids of config-owned rows: UUIDv5 (RFC 9562) of a stable name such as `abu-salim-grill/item/hummus`.
///
/// The same YAML gives the same ids in every environment, and a display-name change is an update,
/// never a delete and a create.
public enum StableID {
    /// Talab's namespace for version 5 ids.
    public static let namespace = UUID(uuidString: "6f1b7e2a-3c1d-5e8f-9a4b-7c2d1e0f9a31")!

    public static func make(_ name: String) -> UUID {
        var bytes = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        bytes.append(contentsOf: Array(name.utf8))
        var hash = Array(Insecure.SHA1.hash(data: bytes).prefix(16))
        hash[6] = (hash[6] & 0x0F) | 0x50
        hash[8] = (hash[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
                hash[8], hash[9], hash[10], hash[11], hash[12], hash[13], hash[14], hash[15]
            )
        )
    }
}
