/// Facts about this build of Talab that every module may show.
public enum Talab {
    /// The release this source tree builds, printed by `talab --version`.
    public static let version = "0.1.0"
}
