public import Foundation
public import TalabConfig
public import TalabCore
public import TalabReconciler
import TalabStore

/// The dashboard's catalog changes ("86" an item, back in stock, hidden) as commits: the item's
/// menu file is edited in the server's clone of the tenant repository (`TALAB_TENANT_REPO`),
/// committed as the signed-in person, pushed to the clone's upstream when it has one, and that
/// tenant is reconciled at once; git stays the one source of truth and the audit log names the
/// person. Someone who pushed first is fetched and the change made again on top (up to three
/// times), never lost; a change that no longer applies is refused with the reason.
public actor CatalogEditor {
    public let repository: GitRepository
    public let reconciler: Reconciler
    let committer = GitRepository.Author(name: "Talab dashboard", email: "dashboard@talab.invalid")

    public init(repository: GitRepository, reconciler: Reconciler) {
        self.repository = repository
        self.reconciler = reconciler
    }

    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let value: String
            public var description: String { value }
            public static let unknownItem = Code(value: "unknown_item")
            public static let notEditable = Code(value: "not_editable")
            public static let invalid = Code(value: "invalid_change")
            public static let busy = Code(value: "repository_busy")
        }
        public let code: Code
        public let message: String
        public var description: String { message }
    }

    public struct Outcome: Sendable {
        /// The commit made, or nil when the item already was so.
        public let commit: GitCommit?
        public let itemName: String
    }

    /// Sets `item` of `tenant` to `availability`, as `author`.
    public func setAvailability(
        _ availability: ItemAvailability,
        item: String,
        tenant: String,
        author: GitRepository.Author
    ) async throws -> Outcome {
        let branch = repository.currentBranch ?? "main"
        let upstream = repository.hasRemote()
        for _ in 0..<3 {
            if upstream {
                let tip = try await repository.run { (git) throws(GitError) in try git.fetch(branch) }
                if tip.sha != (try await repository.run { (git) throws(GitError) in try git.commit("HEAD") }).sha {
                    try await repository.run { (git) throws(GitError) in try git.reset(to: tip) }
                }
            }
            let source = try await repository.run { (git) throws(GitError) in
                try GitCommitSource(repository: git, revision: "HEAD")
            }
            let (path, edited, name) = try edit(availability, item: item, tenant: tenant, in: source)
            guard let edited else { return Outcome(commit: nil, itemName: name) }
            let message = CatalogEditor.message(availability, name: name, tenant: tenant, by: author)
            let committer = committer
            let commit = try await repository.run { (git) throws(GitError) in
                try git.commitFile(
                    path,
                    contents: edited,
                    message: message,
                    author: author,
                    committer: committer
                )
            }
            if upstream, try await !pushed(branch) { continue }
            var request = Reconciler.CommitRequest()
            request.tenants = [tenant]
            _ = try await reconciler.apply(
                try await repository.run { (git) throws(GitError) in
                    try GitCommitSource(repository: git, revision: commit.sha)
                },
                request
            )
            return Outcome(commit: commit, itemName: name)
        }
        throw Refusal(code: .busy, message: "the tenant repository kept changing; try again")
    }

    /// Pushes the branch; false when the upstream refused it because someone pushed first.
    func pushed(_ branch: String) async throws -> Bool {
        do {
            try await repository.run { (git) throws(GitError) in try git.push(branch) }
            return true
        } catch {
            if error.isRejected { return false }
            throw error
        }
    }

    /// The edited file for the change at `source`'s commit; nil bytes when nothing changes.
    nonisolated func edit(
        _ availability: ItemAvailability,
        item: String,
        tenant: String,
        in source: GitCommitSource
    ) throws -> (path: String, bytes: [UInt8]?, name: String) {
        let loaded = try TenantLoader().load(from: source, only: [tenant])
        guard let config = loaded.tenants.first(where: { $0.slug == tenant }),
            let found = config.menus.flatMap(\.items).first(where: { $0.key == item }),
            let location = config.sources[.item(item)]
        else { throw Refusal(code: .unknownItem, message: "\(tenant) has no item \(item)") }
        let files = try source.files(under: (location.file as NSString).deletingLastPathComponent)
        guard let file = files.first(where: { $0.path == location.file }) else {
            throw Refusal(code: .unknownItem, message: "\(location.file) is not in the repository")
        }
        let text = String(decoding: file.bytes, as: UTF8.self)
        let changed: String
        do {
            changed = try AvailabilityEdit.apply(availability, at: location, in: text)
        } catch {
            throw Refusal(code: .notEditable, message: error.description)
        }
        guard changed != text else { return (location.file, nil, found.name) }
        let bytes = Array(changed.utf8)
        let check = try TenantLoader().load(
            from: EditedSource(base: source, edits: [location.file: bytes]),
            only: [tenant]
        )
        if let error = check.diagnostics.first(where: { $0.severity == .error }) {
            throw Refusal(code: .invalid, message: "the change would not validate: \(error)")
        }
        return (location.file, bytes, found.name)
    }

    static func message(
        _ availability: ItemAvailability,
        name: String,
        tenant: String,
        by author: GitRepository.Author
    )
        -> String
    {
        let summary =
            switch availability {
            case .outOfStock: "86 \(name): out of stock"
            case .available: "\(name) is back in stock"
            case .hidden: "Hide \(name) from the menu"
            }
        return "\(tenant): \(summary)\n\nMade in the Talab dashboard by \(author.name) <\(author.email)>.\n"
    }
}
