import Foundation
import TalabStore
import TalabTestSupport
import Testing

@Suite struct ConnectionErrorTests {
    @Test(arguments: [
        ("mysql://u@localhost/db", "scheme"),
        ("postgres://localhost/db", "no user name"),
        ("postgres://u:hunter2@/db", "no host"),
        ("postgres://u:hunter2@localhost", "one database"),
        ("postgres://u:hunter2@localhost/db?sslmode=sometimes", "sslmode"),
        ("postgres://u:hunter2@localhost/db?sslmod=disable", "unknown parameter 'sslmod'"),
        ("postgres://u:hunter2@localhost/db?connect_timeout=-1", "connect_timeout"),
    ])
    func aBadURLSaysWhatIsWrongWithoutThePassword(_ url: String, _ reason: String) throws {
        let error = #expect(throws: PostgresError.self) { try DatabaseURL(url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func aURLParsesEveryPartAndPrintsWithoutItsPassword() throws {
        let url = try DatabaseURL(
            "postgresql://talab%40ops:s%3Acret@db.internal:6543/talab_prod?sslmode=require&connect_timeout=3"
        )
        #expect(url.user == "talab@ops")
        #expect(url.password == "s:cret")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "talab_prod")
        #expect(url.sslMode == "require")
        #expect(url.connectTimeoutSeconds == 3)
        #expect(!url.description.contains("cret"))
        #expect(
            url.redacted == "postgres://talab%40ops:***@db.internal:6543/talab_prod?sslmode=require&connect_timeout=3"
        )
        #expect(try DatabaseURL(url.unredacted) == url)
        #expect(try DatabaseURL("postgres://u@[::1]:5433/d").host == "::1")
    }

    @Test func aStoppedServerIsRefusedQuickly() async throws {
        let port = try PrivateCluster.freeLoopbackPort()
        // A long connect timeout: a refusal must come back long before it, even on a loaded machine.
        let url = DatabaseURL(
            host: "127.0.0.1",
            port: port,
            user: "postgres",
            password: "hunter2",
            database: "talab",
            connectTimeoutSeconds: 60
        )
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(url) }
        #expect(error?.code == .connectionRefused)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(error?.message.contains("hunter2") == false)
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aWrongPasswordIsAnAuthenticationError() async throws {
        let server = try await TestCluster.shared.serverURL()
        let admin = PostgresPool(url: server, maxConnections: 1)
        let role = "cashier_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.withConnection { connection in
            try await connection.executeScript(
                "CREATE ROLE \(role) LOGIN PASSWORD 'right-horse-battery' IN ROLE \(PrivateCluster.passwordLoginRole)",
                name: "test.role"
            )
        }
        var url = server
        url.user = role
        url.password = "right-horse-battery"
        let connection = try await PostgresConnection.connect(url)
        #expect(
            try await connection.query(PostgresStatement("test.whoami", "SELECT current_user::text AS me"))[0].decode(
                String.self,
                "me"
            ) == role
        )

        url.password = "wrong-staple"
        url.connectTimeoutSeconds = 60
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(url) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("wrong-staple") == false)
        #expect(ContinuousClock.now - started < .seconds(30))

        url.password = nil
        let missing = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(url) }
        #expect(missing?.code == .authenticationFailed)
    }

    @Test func aServerErrorNamesTheStatementAndPosition() async throws {
        let pool = PostgresPool(url: try await TestCluster.shared.serverURL(), maxConnections: 1)
        let error = await #expect(throws: PostgresError.self) {
            try await pool.query(
                PostgresStatement("orders.by_customer", "SELECT * FROM no_such_orders WHERE phone = $1"),
                ["+96170000123"]
            )
        }
        #expect(error?.sqlState == "42P01")
        #expect(error?.statement == "orders.by_customer")
        #expect(error?.position == 15)
        #expect(error?.description.contains("+96170000123") == false)
    }
}
