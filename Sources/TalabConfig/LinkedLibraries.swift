import CGit2
import CLibYAML

/// The versions of the C libraries this module reads git repositories and YAML with.
public enum LinkedLibraries {
    /// libgit2's version, as the library linked at run time reports it.
    public static var libgit2: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }

    /// libyaml's version, as the library linked at run time reports it.
    public static var libyaml: String {
        String(cString: yaml_get_version_string())
    }
}
