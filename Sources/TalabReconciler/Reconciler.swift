/// Turns the tenant configuration at a git commit into the live catalog in PostgreSQL.
///
/// This module is filled by the reconciler issue (`talab plan` / `talab apply`); until then it only
/// names the place, so that the module graph of DESIGN.md builds from the first commit.
public enum Reconciler {}
