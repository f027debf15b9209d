import CGit2

/// libgit2's process-wide set-up, done once.
enum LibGit2 {
    /// Initialises libgit2 once per process and switches off its repository-owner check.
    ///
    /// The owner check refuses a repository owned by another user (a CI container's checkout, a
    /// bare repository of a deploy user). We read configuration, never run hooks or filters from
    /// it, so reading another user's repository is safe.
    static let ready: Bool = {
        git_libgit2_init()
        cgit2_set_owner_validation(0)
        return true
    }()
}
