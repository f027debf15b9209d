public import Foundation

/// The PostgreSQL server programs installed on this machine (`initdb`, `pg_ctl`).
public struct PostgresBinaries: Sendable {
    public let directory: URL

    public var initdb: String { directory.appendingPathComponent("initdb").path }
    public var pgCtl: String { directory.appendingPathComponent("pg_ctl").path }
    public var pgbench: String { directory.appendingPathComponent("pgbench").path }

    /// Looks where `pg_config --bindir` says, then in Debian's `/usr/lib/postgresql/<version>/bin`, newest first.
    public static func locate() throws(ClusterError) -> PostgresBinaries {
        var candidates: [URL] = []
        if let pgConfig = Subprocess.find("pg_config"),
            let outcome = try? Subprocess.runBlocking(pgConfig, ["--bindir"]), outcome.succeeded
        {
            candidates.append(URL(fileURLWithPath: outcome.output))
        }
        let debian = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debian.path)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            candidates.append(debian.appendingPathComponent(version).appendingPathComponent("bin"))
        }
        for directory in candidates {
            let binaries = PostgresBinaries(directory: directory)
            if FileManager.default.isExecutableFile(atPath: binaries.initdb),
                FileManager.default.isExecutableFile(atPath: binaries.pgCtl)
            {
                return binaries
            }
        }
        throw ClusterError(
            "no PostgreSQL server programs found (looked in \(candidates.map(\.path).joined(separator: ", "))); "
                + "install them with: apt-get install postgresql"
        )
    }
}
