import AsyncHTTPClient
import Foundation
import NIOCore
import TalabCore
import TalabDashboard
import TalabDev
import TalabStore
import TalabTestSupport
import TalabWhatsApp
import Testing

/// The dashboard in a real browser: Debian's headless Chromium driven by Selenium
/// (`Tests/Browser/board.py`) against the whole server, while a customer orders on WhatsApp
/// through signed webhooks. Screenshots go to `.build/screenshots/` (README: "Screenshots").
extension SerializedSuites {
    @Suite struct BrowserTests {
        static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        static let script = project.appendingPathComponent("Tests/Browser/board.py")
        static var available: Bool {
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
        }

        /// The lines a process writes, as they come (a blocking read on a thread of its own).
        static func lines(of handle: FileHandle) -> AsyncStream<String> {
            AsyncStream { continuation in
                Thread.detachNewThread {
                    var pending = Data()
                    while true {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        pending.append(chunk)
                        while let newline = pending.firstIndex(of: 10) {
                            continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                            pending.removeSubrange(pending.startIndex...newline)
                        }
                    }
                    continuation.finish()
                }
            }
        }

        /// Two games on the court today (Beirut): 20:00 for 90 minutes, placed first, and 18:00.
        static func bookToday(pool: PostgresPool) async throws {
            let ids = try await pool.query(
                PostgresStatement(
                    "test.dbayeh",
                    "SELECT business_id, id FROM branches WHERE key = 'dbayeh'",
                    prepared: false
                )
            )[0]
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Beirut")!
            let today = calendar.startOfDay(for: Date())
            for (hour, minutes, key) in [(20, 90, "padel-90"), (18, 60, "football-60")] {
                let start = today.addingTimeInterval(Double(hour) * 3600)
                var cart = Cart(currency: "USD")
                cart.add(Cart.Line(itemKey: key, name: key, unitPrice: 40, quantity: 1))
                var placement = OrderStore.Placement(
                    businessID: try ids.decode(UUID.self, "business_id"),
                    branchID: try ids.decode(UUID.self, "id"),
                    deliveryType: .onSite,
                    confirmationKey: "wamid.\(UUID().uuidString)",
                    customerPhone: "9617033\(hour)00"
                )
                placement.customerName = hour == 18 ? "Karim" : "Lea"
                placement.scheduledFor = start
                placement.bookings = [
                    .init(itemKey: key, start: start, end: start.addingTimeInterval(Double(minutes) * 60))
                ]
                _ = try await OrderStore(pool: pool).place(cart, placement)
            }
        }

        @Test(.enabled(if: BrowserTests.available, "chromium and chromium-driver (make deps) are needed"))
        func aKitchenSeesAWhatsAppOrderArriveAcceptsItAndTheCustomerIsTold() async throws {
            let repositories = try TenantRepositories()
            defer { repositories.delete() }
            let server = try await LiveServer.withDashboard(catalog: repositories.settings)
            let base = server.baseURL
            let pool = server.fixture.parts.pool
            let password = "kitchen tablet 2026"
            try await server.login("kitchen@abu-salim.example", password: password, role: .staff, branch: "hamra")
            try await server.login("owner@abu-salim.example", password: password, role: .owner, name: "Rima Haddad")
            try await AccountStore(pool: server.fixture.parts.pool).add(
                email: "desk@padel.example",
                passwordHash: try await PasswordHasher(cost: 4).hash(password),
                role: .staff,
                tenant: "padel-beirut"
            )
            try await AccountStore(pool: server.fixture.parts.pool).add(
                email: "admin@talab.example",
                passwordHash: try await PasswordHasher(cost: 4).hash(password),
                role: .admin,
                tenant: nil
            )
            try await BrowserTests.bookToday(pool: server.fixture.parts.pool)
            // Six weeks of the restaurant's orders, rolled up, for its analytics once it is premium.
            _ = try await GeneratedHistory.make(pool, orders: 200, open: false)
            let phone = "96171555123"
            let customer = ChatClient(
                webhookURL: server.webhookURL,
                graphURL: server.graphServer.url,
                appSecret: ServerFixture.appSecret,
                phoneNumberID: ExampleCatalog.hamraNumber,
                phone: phone,
                userID: nil
            )
            try await customer.start()
            let shots = BrowserTests.project.appendingPathComponent(".build/screenshots")

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", BrowserTests.script.path, base, "kitchen@abu-salim.example", "owner@abu-salim.example",
                password, shots.path, "desk@padel.example", "admin@talab.example",
            ]
            let toBrowser = Pipe()
            let fromBrowser = Pipe()
            let log = Pipe()
            process.standardInput = toBrowser
            process.standardOutput = fromBrowser
            process.standardError = log
            try process.run()
            let logged = Task.detached {
                String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            }
            func answer(_ line: String) { toBrowser.fileHandleForWriting.write(Data((line + "\n").utf8)) }

            var done = false
            for await request in BrowserTests.lines(of: fromBrowser.fileHandleForReading) {
                if request == "PREPARE" {
                    _ = try await customer.send(
                        .text("2 falafel and a chicken shawarma no pickles, takeaway"),
                        quiet: .seconds(1)
                    )
                    let size = try await customer.send(.text("large"), quiet: .seconds(1))
                    #expect(size.last?.choices.contains { $0.id == "confirm" } == true, "\(size)")
                    answer("READY")
                } else if request == "CONFIRM" {
                    // The confirming message alone, posted as Meta would; the order id as soon as it exists.
                    let body = ChatClient.payload(
                        .choice(id: "confirm", title: "Confirm", fromList: false),
                        id: "wamid.BROWSER.\(UUID().uuidString.prefix(8))",
                        phoneNumberID: ExampleCatalog.hamraNumber,
                        phone: phone,
                        userID: nil,
                        name: "Rami"
                    )
                    var post = HTTPClientRequest(url: server.webhookURL)
                    post.method = .POST
                    post.headers.add(
                        name: "X-Hub-Signature-256",
                        value: WebhookSignature(appSecret: ServerFixture.appSecret).header(for: body)
                    )
                    post.body = .bytes(ByteBuffer(bytes: body))
                    #expect(try await HTTPClient.shared.execute(post, timeout: .seconds(10)).status == .ok)
                    var order: String?
                    for _ in 0..<500 where order == nil {
                        order = try await pool.query(
                            PostgresStatement(
                                "test.placed",
                                "SELECT id::text AS id FROM orders WHERE customer_phone_number = $1",
                                prepared: false
                            ),
                            [phone]
                        ).first?.decode(String.self, "id")
                        if order == nil { try await Task.sleep(for: .milliseconds(10)) }
                    }
                    answer(order ?? "none")
                } else if request.hasPrefix("NOTICE ") {
                    var notified = false
                    for _ in 0..<100 where !notified {
                        notified = server.graph.received.contains { received in
                            received.body["to"]?.string == phone
                                && (received.body["text"]?["body"]?.string ?? received.body["template"]?["name"]?.string
                                    ?? "")
                                    .lowercased().contains("accept")
                        }
                        if !notified { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    answer(notified ? "NOTIFIED" : "NOT NOTIFIED")
                } else if request == "COMMITTED?" {
                    let log = try TestRepository.run([
                        "--git-dir", repositories.upstream.path, "log", "-1", "--format=%an: %s", "main",
                    ])
                    answer(log.replacingOccurrences(of: "\n", with: " "))
                } else if request == "DONE" {
                    done = true
                }
            }
            process.waitUntilExit()
            let output = await logged.value
            print(output)
            #expect(process.terminationStatus == 0 && done, "\(output)")
            #expect(!output.contains("FAIL"), "\(output)")
            try await server.stop()
        }
    }
}
