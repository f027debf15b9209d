import Foundation
import TalabAWS
import TalabApp
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// Where the history lives is a setting; nothing else changes.
@Suite struct HistorySettingsTests {
    static let aws = ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "never-shown"]

    @Test func postgresUnlessDynamoDBIsNamedWithWhatItNeeds() throws {
        guard case .postgres = try HistorySettings(environment: [:]) else {
            Issue.record("not postgres")
            return
        }
        let settings = try HistorySettings(
            environment: HistorySettingsTests.aws.merging(["TALAB_LOG_STORE": "dynamodb", "AWS_REGION": "eu-south-1"]) {
                $1
            }
        )
        guard case .dynamodb(let dynamo, let prefix) = settings else {
            Issue.record("not dynamodb")
            return
        }
        #expect(dynamo.endpoint.absoluteString == "https://dynamodb.eu-south-1.amazonaws.com" && prefix == "talab_")
        #expect(!settings.summary.contains("never-shown") && settings.summary.contains("AKIDTEST"))
    }

    @Test(
        arguments: [
            (["TALAB_LOG_STORE": "cassandra"], "TALAB_LOG_STORE is postgres or dynamodb, not 'cassandra'"),
            (
                ["TALAB_LOG_STORE": "dynamodb"],
                "TALAB_LOG_STORE=dynamodb needs a region: TALAB_DYNAMODB_REGION or AWS_REGION"
            ),
            (
                ["TALAB_LOG_STORE": "dynamodb", "AWS_REGION": "eu-south-1", "AWS_SECRET_ACCESS_KEY": ""],
                "TALAB_LOG_STORE=dynamodb needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ),
            (
                ["TALAB_LOG_STORE": "dynamodb", "AWS_REGION": "x", "TALAB_DYNAMODB_ENDPOINT": "ftp://host"],
                "TALAB_DYNAMODB_ENDPOINT is not an http(s) URL"
            ),
            (
                ["TALAB_LOG_STORE": "dynamodb", "AWS_REGION": "x", "TALAB_DYNAMODB_TABLE_PREFIX": "a b"],
                "TALAB_DYNAMODB_TABLE_PREFIX may hold letters, digits, _ - . only"
            ),
        ]
    )
    func aSettingThatCannotWorkIsRefusedByName(environment: [String: String], message: String) {
        let merged =
            environment["AWS_SECRET_ACCESS_KEY"] == ""
            ? environment : HistorySettingsTests.aws.merging(environment) { $1 }
        let error = #expect(throws: HistorySettings.Invalid.self) { try HistorySettings(environment: merged) }
        #expect(error?.description == message)
    }
}

/// `talab archive` into DynamoDB (moto) and `talab history` reading it back, as an operator runs them.
@Suite(.enabled(if: MotoServer.available, "moto_server is not installed (make test installs it)"))
struct HistoryCommandTests {
    static var binary: URL { ServeCommandTests.binary }

    static func run(_ arguments: [String], _ environment: [String: String]) async throws -> Subprocess.Outcome {
        try await Subprocess.run(binary.path, arguments, environment: environment)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build talab first (swift build)"))
    func ordersArchivedIntoDynamoDBAreListedAndShownAndAKillLosesNothing() async throws {
        let (database, store, placement, cart) = try await ExampleOrder.setUp()
        defer { database.pool.close() }
        var finished: [UUID] = []
        for _ in 0..<5 {
            finished.append(try await ExampleOrder.finished(store, placement, cart, to: .completed, hoursAgo: 30))
        }
        let url = database.url.unredacted
        var environment = ProcessInfo.processInfo.environment
        environment["TALAB_LOG_STORE"] = "dynamodb"
        environment["TALAB_DYNAMODB_ENDPOINT"] = try await MotoServer.shared.endpoint().absoluteString
        environment["TALAB_DYNAMODB_REGION"] = "eu-south-1"
        environment["TALAB_DYNAMODB_TABLE_PREFIX"] = "cli\(UUID().uuidString.prefix(6))_"
        environment["AWS_ACCESS_KEY_ID"] = MotoServer.credentials.id
        environment["AWS_SECRET_ACCESS_KEY"] = MotoServer.credentials.secret

        // Before the tables exist: one line saying how to make them.
        let early = try await HistoryCommandTests.run(["archive", "--database-url", url], environment)
        #expect(early.status != 0 && early.output.contains("talab history init-dynamodb"), "\(early.output)")
        let created = try await HistoryCommandTests.run(["history", "init-dynamodb"], environment)
        #expect(created.status == 0 && created.output.hasPrefix("Created "), "\(created.output)")
        #expect(!created.output.contains(MotoServer.credentials.secret))

        // Killed after a batch's documents reached DynamoDB and before its rows went.
        #expect(try await ArchiveCommandTests.killedAfterAppend(url, environment))
        #expect(try await database.count("SELECT count(*)::int FROM orders") == 5)
        let rerun = try await HistoryCommandTests.run(["archive", "--database-url", url], environment)
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(
            rerun.output.hasPrefix("Archived 5 orders in ")
                && rerun.output.contains("(2 finished from an earlier run)"),
            "\(rerun.output)"
        )
        #expect(try await database.count("SELECT count(*)::int FROM orders") == 0)

        let list = try await HistoryCommandTests.run(
            ["history", "orders", "--database-url", url, "--tenant", "abu-salim-grill"],
            environment
        )
        let lines = list.output.split(separator: "\n")
        #expect(lines.count == 5 && lines.allSatisfy { $0.contains("abu-salim-grill  completed") }, "\(list.output)")
        #expect(
            Set(lines.map { String($0.prefix(8)) })
                == Set(finished.map { String($0.uuidString.lowercased().prefix(8)) })
        )
        let json = try await HistoryCommandTests.run(
            ["history", "orders", "--database-url", url, "--format", "json", "--limit", "2"],
            environment
        )
        let parsed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 2 && parsed?.first?["order"] != nil)
        // A range of the business's own days: tomorrow on holds nothing of these.
        let tomorrow = ISO8601DateFormatter.string(
            from: Date().addingTimeInterval(86_400),
            timeZone: TimeZone(identifier: "Asia/Beirut")!,
            formatOptions: [.withFullDate]
        )
        let none = try await HistoryCommandTests.run(
            ["history", "orders", "--database-url", url, "--since", tomorrow],
            environment
        )
        #expect(none.output == "No archived orders.", "\(none.output)")
        let show = try await HistoryCommandTests.run(
            ["history", "show", finished[0].uuidString, "--database-url", url],
            environment
        )
        #expect(show.status == 0 && show.output.contains("\"status\" : \"completed\""), "\(show.output)")
        let missing = try await HistoryCommandTests.run(
            ["history", "show", UUID().uuidString, "--database-url", url],
            environment
        )
        #expect(missing.status != 0 && missing.output.contains("no archived order"))
    }
}

/// Where images go is a setting too.
@Suite struct ObjectStoreSettingsTests {
    static let local = LocalObjectStore(directory: URL(fileURLWithPath: "/tmp/talab-objects-settings"))

    @Test func localUnlessABucketIsNamedWithWhatItNeeds() throws {
        let plain = try ObjectStoreSettings(environment: [:], local: ObjectStoreSettingsTests.local)
        #expect(plain.local?.directory.path == "/tmp/talab-objects-settings")
        let s3 = try ObjectStoreSettings(
            environment: HistorySettingsTests.aws.merging([
                "TALAB_OBJECTS": "s3://talab-images/prod/", "AWS_DEFAULT_REGION": "eu-south-1",
                "TALAB_OBJECTS_URL": "https://cdn.example.com/i",
            ]) { $1 },
            local: ObjectStoreSettingsTests.local
        )
        guard case .s3(let settings) = s3 else {
            Issue.record("not s3")
            return
        }
        #expect(settings.bucket == "talab-images" && settings.prefix == "prod" && settings.region == "eu-south-1")
        #expect(s3.local == nil && s3.summary == "s3://talab-images/prod")
        #expect(s3.store.url(of: "images/a.png") == "https://cdn.example.com/i/images/a.png")
    }

    @Test(
        arguments: [
            (
                "s3://A_Bucket",
                "TALAB_OBJECTS is s3://bucket/prefix (a bucket of 3 to 63 lowercase letters, digits, - and .)"
            ),
            (
                "/srv/images",
                "TALAB_OBJECTS is s3://bucket/prefix (a bucket of 3 to 63 lowercase letters, digits, - and .)"
            ),
        ]
    )
    func aBucketThatCannotBeIsRefused(objects: String, message: String) {
        let error = #expect(throws: ObjectStoreSettings.Invalid.self) {
            try ObjectStoreSettings(environment: ["TALAB_OBJECTS": objects], local: ObjectStoreSettingsTests.local)
        }
        #expect(error?.description == message)
        let noRegion = #expect(throws: ObjectStoreSettings.Invalid.self) {
            try ObjectStoreSettings(
                environment: ["TALAB_OBJECTS": "s3://bucket"],
                local: ObjectStoreSettingsTests.local
            )
        }
        #expect(noRegion?.description == "TALAB_OBJECTS=s3://… needs a region: TALAB_S3_REGION or AWS_REGION")
    }
}
