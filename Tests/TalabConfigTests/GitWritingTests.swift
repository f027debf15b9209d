import Foundation
import TalabConfig
import TalabTestSupport
import Testing

/// Commits written through libgit2, as the dashboard writes them: authored by a person, pushed to
/// the upstream; a push refused because someone pushed first is told apart, fetched and redone.
@Suite struct GitWritingTests {
    static let chef = GitRepository.Author(name: "Rima Haddad", email: "rima@abu-salim.example")
    static let talab = GitRepository.Author(name: "Talab", email: "dashboard@talab.invalid")

    @Test func aCommitIsAuthoredPushedAndAConcurrentPushIsRefusedThenRedone() throws {
        let origin = try TestRepository()
        defer { origin.delete() }
        try origin.write("Tenants/a/menus/main.yaml", "name: Main\n")
        try origin.write("README.md", "hello\n")
        try origin.commit("first")
        let upstream = try origin.bareClone()
        defer { try? FileManager.default.removeItem(at: upstream) }
        let server = try TestRepository.clone(upstream)
        defer { server.delete() }
        let person = try TestRepository.clone(upstream)
        defer { person.delete() }

        let repository = try GitRepository(discoveringFrom: server.path)
        #expect(repository.currentBranch == "main" && repository.hasRemote())
        let commit = try repository.commitFile(
            "Tenants/a/menus/main.yaml",
            contents: Array("name: Main\nitems: []\n".utf8),
            message: "86 falafel",
            author: GitWritingTests.chef,
            committer: GitWritingTests.talab
        )
        #expect(commit.author.name == "Rima Haddad" && commit.author.email == "rima@abu-salim.example")
        // The working tree follows; the other file is untouched.
        #expect(
            try String(contentsOf: server.folder.appendingPathComponent("Tenants/a/menus/main.yaml"), encoding: .utf8)
                == "name: Main\nitems: []\n"
        )
        #expect(try server.git("status", "--porcelain").isEmpty)
        #expect(try server.git("show", "HEAD:README.md") == "hello")
        try repository.push("main")
        #expect(
            try TestRepository.run(["--git-dir", upstream.path, "log", "-1", "--format=%an %s", "main"])
                == "Rima Haddad 86 falafel"
        )

        // Someone pushes first: the next push is refused as such, and nothing is lost upstream.
        try person.git("pull", "-q")
        try person.write("README.md", "hello again\n")
        try person.commit("a person's change")
        try person.git("push", "-q")
        _ = try repository.commitFile(
            "Tenants/a/menus/main.yaml",
            contents: Array("name: Main\n".utf8),
            message: "back in stock",
            author: GitWritingTests.chef,
            committer: GitWritingTests.talab
        )
        let refused = #expect(throws: GitError.self) { try repository.push("main") }
        #expect(refused?.isRejected == true, "\(String(describing: refused)) \(refused?.code ?? 0)")
        // Fetched, reset onto it, the change made again: now it goes, after the person's.
        let tip = try repository.fetch("main")
        try repository.reset(to: tip)
        _ = try repository.commitFile(
            "Tenants/a/menus/main.yaml",
            contents: Array("name: Main\n".utf8),
            message: "back in stock",
            author: GitWritingTests.chef,
            committer: GitWritingTests.talab
        )
        try repository.push("main")
        let log = try TestRepository.run(["--git-dir", upstream.path, "log", "--format=%s", "main"])
        #expect(log == "back in stock\na person's change\n86 falafel\nfirst")
    }
}
