import AsyncHTTPClient
import Foundation
import NIOCore
import TalabDashboard
import TalabStore
import TalabTestSupport
import Testing

/// The live board's events through the whole server: PostgreSQL's NOTIFY on a new or moved order,
/// one LISTEN in the server, Server-Sent Events to every board of that business, and catching up
/// after a reconnect with `Last-Event-ID`.
@Suite struct BoardEventsTests {
    /// Reads an event stream's text as it arrives.
    final class StreamReader: @unchecked Sendable {
        var iterator: HTTPClientResponse.Body.AsyncIterator
        var text = ""

        init(_ response: HTTPClientResponse) { iterator = response.body.makeAsyncIterator() }

        /// Reads until the text holds `needle` (after `from`), or fails after `seconds`.
        func wait(for needle: String, seconds: Double = 5) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while !text.contains(needle) {
                guard ContinuousClock.now < deadline else { throw TestFailure("no \(needle) in: \(text)") }
                let next = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                    group.addTask { [self] in try await iterator.next() }
                    group.addTask {
                        try await Task.sleep(until: deadline)
                        throw TestFailure("timed out waiting for \(needle)")
                    }
                    let first = try await group.next()!
                    group.cancelAll()
                    return first
                }
                guard let buffer = next else { throw TestFailure("the stream ended: \(text)") }
                text += String(buffer: buffer)
            }
            return text
        }
    }

    static func open(_ base: String, token: String, lastEventID: String? = nil) async throws -> StreamReader {
        var request = HTTPClientRequest(url: base + "/api/v1/board/events")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(
            response.status == .ok && response.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true
        )
        return StreamReader(response)
    }

    @Test func aNewOrderReachesTheOpenBoardAndAReconnectCatchesUp() async throws {
        let server = try await LiveServer.withDashboard()
        let base = server.baseURL
        let pool = server.fixture.parts.pool
        try await server.login("kitchen@abu-salim.example", password: "kitchen tablet 2026", role: .staff)
        let token = try await server.token("kitchen@abu-salim.example", password: "kitchen tablet 2026")

        let board = try await BoardEventsTests.open(base, token: token)
        // A first connection cannot know what it missed: it is told to fetch the board.
        _ = try await board.wait(for: "event: reset")
        let (store, placement, cart) = try await ExampleOrder.on(pool)
        let order = try await store.place(cart, placement).id
        // How fast is for `talab bench dashboard`; here, that it comes at all, unasked.
        let text = try await board.wait(for: order.lowercasedText, seconds: 15)
        #expect(text.contains("\"status\":\"pending\""))
        let lastID = try #require(
            text.split(separator: "\n").last { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
        )

        // While the board is away the order is accepted; the reconnect gets just that.
        try await store.move(order, to: .accepted, by: .business)
        try await Task.sleep(for: .milliseconds(300))
        let again = try await BoardEventsTests.open(base, token: token, lastEventID: lastID)
        let replay = try await again.wait(for: "\"status\":\"accepted\"")
        #expect(!replay.contains("event: reset") && !replay.contains("\"status\":\"pending\""))

        // An unknown id (another server process's) means: fetch everything.
        let stranger = try await BoardEventsTests.open(base, token: token, lastEventID: "12")
        _ = try await stranger.wait(for: "event: reset")
        try await server.stop()
    }
}
