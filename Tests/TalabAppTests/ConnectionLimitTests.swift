import AsyncHTTPClient
import Foundation
import NIOCore
import TalabDev
import TalabStore
import TalabTestSupport
import Testing

/// Clients that hold connections without finishing requests, through the live server with short
/// deadlines: each is closed in time, and a flood of them does not keep a signed webhook out.
extension SerializedSuites {
    @Suite(.serialized) struct ConnectionLimitTests {
        static func start(
            maxConnections: Int = 1_000,
            deadline: TimeAmount = .seconds(1)
        ) async throws -> (LiveServer, Int) {
            let live = try await LiveServer.start { settings in
                settings.connections = .init(
                    maxConnections: maxConnections,
                    headerTimeout: deadline,
                    bodyTimeout: deadline,
                    idleTimeout: deadline
                )
            }
            let port = try #require(URL(string: live.webhookURL)?.port)
            return (live, port)
        }

        @Test func silentSlowAndHeldClientsAreClosedAtTheirDeadlines() async throws {
            let (live, port) = try await ConnectionLimitTests.start()
            let silent = try LoopbackSocket(port: port)
            let slow = try LoopbackSocket(port: port)
            slow.send("POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\n")
            let held = try LoopbackSocket(port: port)
            held.send("POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            held.send(String(repeating: "a", count: 99))
            let idle = try LoopbackSocket(port: port)
            idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            // The slow client keeps sending a header byte now and then: never a whole head.
            let trickle = Task {
                for _ in 0..<10 {
                    slow.send("X")
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }
            let clock = ContinuousClock()
            let started = clock.now
            #expect(silent.read(timeout: .seconds(5)).closed)
            #expect(slow.read(timeout: .seconds(5)).closed)
            #expect(held.read(timeout: .seconds(5)).closed)
            let answered = idle.read(timeout: .seconds(5))
            #expect(answered.closed && answered.text.hasPrefix("HTTP/1.1 200"))
            #expect(clock.now - started < .seconds(4))
            trickle.cancel()
            try await live.stop()
        }

        @Test func aRequestTheParserRefusesIsAnsweredInJSONAndClosed() async throws {
            let (live, port) = try await ConnectionLimitTests.start()
            for garbage in [
                "GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "\u{1}\u{2}\r\n\r\n",
            ] {
                let socket = try LoopbackSocket(port: port)
                socket.send(garbage)
                let answer = socket.read(timeout: .seconds(3))
                #expect(answer.closed)
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
                #expect(answer.text.contains(#""code":"bad_request""#), "\(answer.text)")
            }
            try await live.stop()
        }

        @Test func aFloodOfIdleConnectionsDoesNotKeepASignedWebhookOut() async throws {
            // Deadlines far away: only the limit closes connections here.
            let (live, port) = try await ConnectionLimitTests.start(maxConnections: 16, deadline: .seconds(60))
            // Three times the limit, connected and silent (each is closed for a newer one, oldest first).
            var flood: [LoopbackSocket] = []
            for _ in 0..<48 { flood.append(try LoopbackSocket(port: port)) }
            let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.flood", text: "hi")
            let request = ServerFixture.signedRequest(live.webhookURL, body)
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            #expect(response.status == .ok)
            #expect(clock.now - started < .milliseconds(900))
            #expect(try await live.fixture.count("SELECT count(*)::int FROM webhook_inbox") >= 1)
            // The oldest of the flood were closed to make room, and no more are open than the limit allows.
            let closed = flood.map { $0.read(timeout: .milliseconds(100)).closed }
            #expect(closed.prefix(16).allSatisfy { $0 })
            #expect(closed.filter { $0 }.count >= 48 - 16)
            flood.removeAll()
            try await live.stop()
        }

        /// Clients whose request was answered at once (a wrong method) but who go on trickling a long
        /// body: the server needs nothing more of them, so they make room like idle ones.
        @Test func answeredClientsStillSendingABodyMakeRoomForAWebhook() async throws {
            let (live, port) = try await ConnectionLimitTests.start(maxConnections: 8, deadline: .seconds(60))
            var trickling: [LoopbackSocket] = []
            for _ in 0..<8 {
                let socket = try LoopbackSocket(port: port)
                socket.send(
                    "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
                        + String(repeating: "a", count: 100)
                )
                trickling.append(socket)
            }
            // Every one answered before the webhook comes (the whole suite shares two cores: wait for it).
            #expect(
                trickling.allSatisfy {
                    $0.read(timeout: .seconds(10), until: "\r\n\r\n").text.hasPrefix("HTTP/1.1 405")
                }
            )
            let body = ServerFixture.textPayload(to: ExampleCatalog.padelNumber, id: "wamid.trickle", text: "hi")
            let request = ServerFixture.signedRequest(live.webhookURL, body)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            #expect(response.status == .ok)
            let closed = trickling.map { $0.read(timeout: .seconds(2)).closed }
            #expect(closed.contains(true), "\(closed)")
            trickling.removeAll()
            try await live.stop()
        }
    }
}
