public import Foundation

/// The files of a local development environment in `.talab/` (never in git): the master key, the
/// webhook app secret and verify token, and where the running `talab dev` listens. Each value is the
/// environment's when it sets one, else the one kept here, made once at random (mode 0600).
public struct DevFolder: Sendable {
    public let folder: URL
    public let environment: [String: String]

    public init(folder: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.folder = folder
        self.environment = environment
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public var stateFile: URL { folder.appendingPathComponent("dev.json") }

    /// The value of `name` from the environment, else from `.talab/<file>`, created once at random.
    public func secret(_ name: String, file: String) throws(Failure) -> String {
        if let value = environment[name], !value.isEmpty { return value }
        if let stored = stored(file) { return stored }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(folder.path): \(error.localizedDescription)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max) }
        let value = Data(bytes).base64EncodedString()
        let url = folder.appendingPathComponent(file)
        guard
            FileManager.default.createFile(
                atPath: url.path,
                contents: Data((value + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw Failure(description: "cannot write \(url.path)") }
        return value
    }

    /// What `.talab/<file>` holds, trimmed; nil when it is missing or empty.
    func stored(_ file: String) -> String? {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    public var masterKey: String { get throws(Failure) { try secret("TALAB_MASTER_KEY", file: "master.key") } }
    /// The master key from the environment, else the one `talab dev` keeps; nil when neither is there
    /// (nothing is created): what commands run against the local cluster seal and open tokens with.
    public var existingMasterKey: String? {
        if let value = environment["TALAB_MASTER_KEY"], !value.isEmpty { return value }
        return stored("master.key")
    }
    public var appSecret: String {
        get throws(Failure) { try secret("TALAB_WHATSAPP_APP_SECRET", file: "dev-app-secret") }
    }
    public var verifyToken: String {
        get throws(Failure) { try secret("TALAB_WHATSAPP_VERIFY_TOKEN", file: "dev-verify-token") }
    }

    /// The dashboard's token key (`TALAB_JWT_SECRET`): the environment's, else one kept in `.talab/`.
    public var jwtSecret: String {
        get throws(Failure) { try secret("TALAB_JWT_SECRET", file: "dev-jwt-secret") }
    }

    /// The password of a tenant's demo login, made once and kept in `.talab/` (never in git).
    public func demoPassword(for tenant: String) throws(Failure) -> String {
        String(try secret("", file: "dev-login-\(tenant)").filter { $0.isLetter || $0.isNumber }.prefix(16))
    }

    /// Where a running `talab dev` listens, and its process.
    public struct Running: Codable, Sendable, Equatable {
        public var webhookURL: String
        public var graphURL: String
        public var pid: Int32

        public init(webhookURL: String, graphURL: String, pid: Int32) {
            self.webhookURL = webhookURL
            self.graphURL = graphURL
            self.pid = pid
        }
    }

    public func record(_ running: Running) {
        try? JSONEncoder().encode(running).write(to: stateFile)
    }

    /// The running `talab dev` of this folder; an error that says how to start one when its process
    /// is gone or it never ran.
    public func running() throws(Failure) -> Running {
        guard let data = try? Data(contentsOf: stateFile),
            let state = try? JSONDecoder().decode(Running.self, from: data),
            kill(state.pid, 0) == 0
        else {
            throw Failure(
                description: "talab dev is not running here: start it first (talab dev), or pass --url and --graph-url"
            )
        }
        return state
    }
}
