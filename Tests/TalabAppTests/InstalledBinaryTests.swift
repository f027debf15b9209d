import Foundation
import TalabStore
import TalabTestSupport
import Testing

/// `talab` as an operator installs it: the binary and its resource bundles copied out of the
/// checkout, run from a folder that has nothing of the project.
@Suite struct InstalledBinaryTests {
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: ServeCommandTests.binary.path),
            "build talab first (swift build)"
        )
    )
    func anInstalledTalabMigratesFromAnyFolder() async throws {
        let installed = FileManager.default.temporaryDirectory.appendingPathComponent("talab-installed-\(UUID())")
        defer { try? FileManager.default.removeItem(at: installed) }
        try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
        let build = ServeCommandTests.binary.deletingLastPathComponent()
        // Copied by cp, not by this process: a file this process held open for writing would be
        // inherited by a child another test spawns meanwhile, and exec would find it busy.
        let copied = try await Subprocess.run(
            "/bin/cp",
            [ServeCommandTests.binary.path, installed.appendingPathComponent("talab").path]
        )
        #expect(copied.succeeded, "\(copied.output)")
        for bundle in try FileManager.default.contentsOfDirectory(atPath: build.path)
        where bundle.hasSuffix(".resources") {
            try FileManager.default.copyItem(
                at: build.appendingPathComponent(bundle),
                to: installed.appendingPathComponent(bundle)
            )
        }
        let url = try await TestCluster.shared.emptyDatabase()
        let talab = installed.appendingPathComponent("talab").path
        func run(_ arguments: String) async throws -> Subprocess.Outcome {
            try await Subprocess.run("/bin/sh", ["-c", "cd / && exec '\(talab)' \(arguments)"])
        }
        let migrated = try await run("migrate --database-url '\(url.unredacted)'")
        #expect(migrated.succeeded, "\(migrated.output)")
        let status = try await run("migrate --status --database-url '\(url.unredacted)'")
        #expect(status.succeeded, "\(status.output)")
        let shipped = try Migration.shipped()
        #expect(shipped.count >= 13)
        #expect(status.output.contains(shipped.last?.fileName ?? "?"), "\(status.output)")
        #expect(status.output.contains("\(shipped.count) applied, 0 pending"), "\(status.output)")
    }
}
