import CLibPQ

/// Facts about the libpq this program is linked with.
public enum LibPQ {
    /// libpq's version, such as `15.18`.
    public static var version: String {
        let number = Int(PQlibVersion())
        return "\(number / 10000).\(number % 10000)"
    }
}
