import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import ServiceLifecycle
public import TalabHTTP

/// `GET /api/v1/board/events`: the board's Server-Sent Events. Each event names an order that was
/// placed or moved (`event: order`, `data: {"order": …, "status": …}`); the board fetches what it
/// shows through the API. A reconnect with `Last-Event-ID` replays what was missed, or sends
/// `event: reset` when that cannot be told (fetch the board again). A comment every `heartbeat`
/// keeps proxies from closing a quiet stream and lets the board see that it is still connected.
public struct BoardEventsController<Context: DashboardRequestContext>: Sendable {
    public let hub: BoardHub
    public var heartbeat: Duration

    public init(hub: BoardHub, heartbeat: Duration = .seconds(15)) {
        self.hub = hub
        self.heartbeat = heartbeat
    }

    public func add(to router: Router<Context>, authentication: DashboardAuthentication<Context>) {
        router.group("/api/v1/board").add(middleware: authentication).get("events", use: events)
    }

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        guard let signedIn = context.signedIn, let business = signedIn.business else {
            throw APIError(.forbidden, code: .forbidden, message: "the order board belongs to a business login")
        }
        let lastEventID = request.headers[.lastEventID].flatMap { UInt64($0) }
        let subscription = hub.subscribe(business: business, branch: signedIn.account.branchID, after: lastEventID)
        let hub = hub
        let heartbeat = heartbeat
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                defer { hub.unsubscribe(subscription.id) }
                var opening = "retry: 2000\n\n"
                if let missed = subscription.missed {
                    for event in missed { opening += BoardEventsController.text(event) }
                } else {
                    opening += "event: reset\ndata: {}\n\n"
                }
                try await writer.write(ByteBuffer(string: opening))
                // Events and heartbeats into one stream of text; it ends when the hub closes.
                let (lines, continuation) = AsyncStream<String>.makeStream()
                let pump = Task {
                    for await event in subscription.events { continuation.yield(BoardEventsController.text(event)) }
                    continuation.finish()
                }
                let beat = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        continuation.yield(": heartbeat\n\n")
                    }
                }
                defer {
                    pump.cancel()
                    beat.cancel()
                }
                // A stopping server ends the stream (the board reconnects to another server).
                try await withGracefulShutdownHandler {
                    for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    static func text(_ event: BoardHub.Event) -> String {
        let order = event.order.uuidString.lowercased()
        return "id: \(event.id)\nevent: order\ndata: {\"order\":\"\(order)\",\"status\":\"\(event.status)\"}\n\n"
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
