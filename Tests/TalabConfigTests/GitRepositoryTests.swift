import Foundation
import TalabConfig
import TalabTestSupport
import Testing

@Suite struct GitRepositoryTests {
    /// Three commits: a menu, a price change with trailers, and a rename in another tenant.
    static func history() throws -> (TestRepository, [String]) {
        let repository = try TestRepository()
        try repository.write("Tenants/abu-salim/menus/main.yaml", "name: Main\nitems: []\n")
        try repository.write("Tenants/padel/menus/courts.yaml", "name: Courts\n")
        try repository.write("README.md", "hello\n")
        let first = try repository.commit("Add menus", author: "Salim Haddad", email: "salim@example.com")
        try repository.write("Tenants/abu-salim/menus/main.yaml", "name: Main menu\nitems: []\n")
        let second = try repository.commit(
            "Rename the main menu\n\nThe owner asked for it.\n\nReviewed-by: Rima <rima@example.com>\nTicket: TAL-42\n"
        )
        try repository.git("mv", "Tenants/padel/menus/courts.yaml", "Tenants/padel/menus/all-courts.yaml")
        let third = try repository.commit("Rename courts file")
        return (repository, [first, second, third])
    }

    @Test func resolvesEveryKindOfRevision() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let git = try GitRepository(discoveringFrom: repository.folder.appendingPathComponent("Tenants/padel").path)
        #expect(try git.commit("HEAD").sha == shas[2])
        #expect(try git.commit("main").sha == shas[2])
        #expect(try git.commit("HEAD~1").sha == shas[1])
        #expect(try git.commit(String(shas[0].prefix(8))).sha == shas[0])
        #expect(try git.commit(shas[0]).sha == shas[0])
        try repository.git("tag", "v1", shas[1])
        #expect(try git.commit("v1").sha == shas[1])
        try repository.git("update-ref", "refs/remotes/origin/main", shas[0])
        #expect(try git.commit("origin/main").sha == shas[0])
    }

    @Test func readsCommitMetadataAndTrailers() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let commit = try GitRepository(discoveringFrom: repository.path).commit(shas[1])
        #expect(commit.author.name == "Rima Haddad")
        #expect(commit.author.email == "rima@example.com")
        #expect(commit.summary == "Rename the main menu")
        #expect(
            commit.trailers == [
                .init(key: "Reviewed-by", value: "Rima <rima@example.com>"), .init(key: "Ticket", value: "TAL-42"),
            ]
        )
        #expect(abs(commit.author.time.timeIntervalSinceNow) < 600)
        let first = try GitRepository(discoveringFrom: repository.path).commit(shas[0])
        #expect(first.author.name == "Salim Haddad")
        #expect(first.trailers.isEmpty)
    }

    @Test func readsFilesFromTheCommitNotTheWorkingTree() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        try repository.write("Tenants/abu-salim/menus/main.yaml", "name: Uncommitted edit\n")
        try repository.write("Tenants/abu-salim/menus/new.yaml", "name: Not committed\n")
        let git = try GitRepository(discoveringFrom: repository.path)
        let files = try git.files(at: git.commit("HEAD"), under: "Tenants")
        #expect(files.map(\.path) == ["Tenants/abu-salim/menus/main.yaml", "Tenants/padel/menus/all-courts.yaml"])
        #expect(String(decoding: files[0].bytes, as: UTF8.self) == "name: Main menu\nitems: []\n")
        let older = try git.files(at: git.commit(shas[0]), under: "Tenants/abu-salim")
        #expect(older.map { String(decoding: $0.bytes, as: UTF8.self) } == ["name: Main\nitems: []\n"])
        #expect(try git.files(at: git.commit("HEAD"), under: "Nowhere").isEmpty)
    }

    @Test func aBareCloneReadsTheSame() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let bare = try repository.bareClone()
        defer { try? FileManager.default.removeItem(at: bare) }
        let git = try GitRepository(discoveringFrom: bare.path)
        #expect(git.isBare)
        #expect(try git.commit("main").sha == shas[2])
        #expect(try git.files(at: git.commit("HEAD"), under: "Tenants").count == 2)
    }

    @Test func tenantSubtreeIdsChangeOnlyWhereTheTenantChanged() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let git = try GitRepository(discoveringFrom: repository.path)
        let before = try git.entries(at: git.commit(shas[0]), in: "Tenants")
        let after = try git.entries(at: git.commit(shas[1]), in: "Tenants")
        #expect(Set(before.keys) == ["abu-salim", "padel"])
        #expect(before["abu-salim"] != after["abu-salim"])
        #expect(before["padel"] == after["padel"])
        #expect(try git.objectSHA(at: git.commit(shas[1]), path: "Tenants/padel") == after["padel"])
        #expect(try git.objectSHA(at: git.commit(shas[1]), path: "Tenants/nobody") == nil)
    }

    @Test func listsChangedPathsWithRenames() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let git = try GitRepository(discoveringFrom: repository.path)
        let modified = try git.changes(from: git.commit(shas[0]), to: git.commit(shas[1]), under: "Tenants")
        #expect(
            modified == [
                GitChange(
                    status: .modified,
                    oldPath: "Tenants/abu-salim/menus/main.yaml",
                    newPath: "Tenants/abu-salim/menus/main.yaml"
                )
            ]
        )
        let renamed = try git.changes(from: git.commit(shas[1]), to: git.commit(shas[2]))
        #expect(
            renamed == [
                GitChange(
                    status: .renamed,
                    oldPath: "Tenants/padel/menus/courts.yaml",
                    newPath: "Tenants/padel/menus/all-courts.yaml"
                )
            ]
        )
        let everything = try git.changes(from: nil, to: git.commit(shas[0]))
        #expect(everything.count == 3)
        #expect(everything.allSatisfy { $0.status == .added })
    }

    @Test func opensARepositoryOwnedByAnotherUser() throws {
        let (repository, shas) = try GitRepositoryTests.history()
        defer { repository.delete() }
        guard geteuid() == 0, let postgres = getpwnam("postgres") else {
            // Only root can give a folder away; elsewhere the repository is ours and the check is moot.
            #expect(try GitRepository(discoveringFrom: repository.path).commit("HEAD").sha == shas[2])
            return
        }
        let uid = postgres.pointee.pw_uid
        let gid = postgres.pointee.pw_gid
        let enumerator = FileManager.default.enumerator(atPath: repository.path)
        #expect(chown(repository.path, uid, gid) == 0)
        while let path = enumerator?.nextObject() as? String {
            _ = chown(repository.folder.appendingPathComponent(path).path, uid, gid)
        }
        let git = try GitRepository(discoveringFrom: repository.path)
        #expect(try git.commit("HEAD").sha == shas[2])
    }

    @Test func saysWhatIsWrongWithAPathOrARevision() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("talab-not-a-repo-\(UUID())")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        let notRepository = #expect(throws: GitError.self) { try GitRepository(discoveringFrom: outside.path) }
        #expect(notRepository?.isNotFound == true)
        #expect(notRepository?.description.contains("is not inside a git repository") == true)

        let (repository, _) = try GitRepositoryTests.history()
        defer { repository.delete() }
        let git = try GitRepository(discoveringFrom: repository.path)
        let badRevision = #expect(throws: GitError.self) { try git.commit("no-such-branch") }
        #expect(badRevision?.description == "resolve revision: no revision 'no-such-branch' in \(git.gitDirectory)")
        let notACommit = #expect(throws: GitError.self) { try git.commit("HEAD^{tree}") }
        #expect(notACommit != nil)
    }

    /// Git work done for a server request runs on the repository's own thread: while several reads
    /// are stuck (here: held on a semaphore inside them, as a slow libgit2 call would be), more than
    /// the cooperative pool has threads, other tasks still run. Called directly on the pool instead,
    /// the same reads would hold every pool thread and the other task would never run.
    @Test func gitWorkForAServerDoesNotHoldTheCooperativePool() async throws {
        let repository = try TestRepository()
        defer { repository.delete() }
        try repository.write("Tenants/abu-salim/business.yaml", "name: Abu Salim\n")
        try repository.commit("One tenant")
        let git = try GitRepository(discoveringFrom: repository.path)
        let commit = try git.commit("HEAD")
        let held = DispatchSemaphore(value: 0)
        let reads = (0..<(ProcessInfo.processInfo.activeProcessorCount * 2 + 2)).map { _ in
            Task {
                try await git.run { (git) throws(GitError) in
                    held.wait()
                    return try git.files(at: commit, under: "Tenants").count
                }
            }
        }
        // Another task on the pool runs and finishes while every read is held (called on the pool
        // itself, the reads would hold all its threads and this would never return).
        let other = await Task { (0..<1_000).reduce(0, +) }.value
        #expect(other == 499_500)
        for _ in reads { held.signal() }
        for read in reads { #expect(try await read.value == 1) }
    }
}
