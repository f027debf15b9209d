import Foundation
import TalabDev
import Testing

/// `.talab/`'s settings, as `talab dev` and the commands run against the local cluster read them.
@Suite struct DevFolderTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("talab-dev-\(UUID().uuidString.prefix(8))")
    }

    @Test func aSecretIsMadeOnceKeptPrivateAndReadAgain() throws {
        let root = DevFolderTests.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let dev = DevFolder(folder: root, environment: [:])
        #expect(dev.existingMasterKey == nil)
        let key = try dev.masterKey
        #expect(Data(base64Encoded: key)?.count == 32)
        let file = root.appendingPathComponent("master.key")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Read again, by this folder and by another process's view of it: the same key.
        #expect(try dev.masterKey == key && DevFolder(folder: root, environment: [:]).existingMasterKey == key)
        #expect(try dev.appSecret != key && dev.appSecret == dev.appSecret)
    }

    @Test func theEnvironmentWinsAndAnEmptyVariableDoesNot() throws {
        let root = DevFolderTests.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let stored = try DevFolder(folder: root, environment: [:]).masterKey
        let set = DevFolder(folder: root, environment: ["TALAB_MASTER_KEY": "from-the-environment"])
        #expect(try set.masterKey == "from-the-environment" && set.existingMasterKey == "from-the-environment")
        let empty = DevFolder(folder: root, environment: ["TALAB_MASTER_KEY": ""])
        #expect(try empty.masterKey == stored)
        // An empty file is no key: a new one is made.
        try Data("\n".utf8).write(to: root.appendingPathComponent("dev-verify-token"))
        #expect(try !DevFolder(folder: root, environment: [:]).verifyToken.isEmpty)
    }

    @Test func aRunningDevIsFoundOnlyWhileItsProcessLives() throws {
        let root = DevFolderTests.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let dev = DevFolder(folder: root, environment: [:])
        #expect(throws: DevFolder.Failure.self) { try dev.running() }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let alive = DevFolder.Running(
            webhookURL: "http://127.0.0.1:8080/webhooks/whatsapp",
            graphURL: "g",
            pid: getpid()
        )
        dev.record(alive)
        #expect(try dev.running() == alive)
        // A process that is gone: the largest pid Linux gives is far below this.
        dev.record(.init(webhookURL: alive.webhookURL, graphURL: "g", pid: Int32.max - 1))
        let gone = #expect(throws: DevFolder.Failure.self) { try dev.running() }
        #expect(gone?.description.hasPrefix("talab dev is not running here") == true)
    }
}
