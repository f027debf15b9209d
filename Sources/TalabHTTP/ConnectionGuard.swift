import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Deadlines for one HTTP/1 connection, and its place among the server's connections.
///
/// - A new connection must send a whole request head within `headerTimeout` (slowloris, and
///   sockets that never send a byte); a kept-alive one, its next head within `idleTimeout`.
/// - A request's body must arrive whole within `bodyTimeout` of its head (a body held at its last byte).
/// - Beyond `ConnectionRegistry.Limits.maxConnections`, the one that has waited longest without a
///   request being answered is closed to make room (an answered request still sending a body nobody
///   reads counts as waiting): a flood of idle or trickling clients cannot keep a webhook out.
/// - A request the HTTP parser refuses gets a JSON 400 (`bad_request`) before the connection closes.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let registry: ConnectionRegistry
    private var id: Int?
    private var timer: Scheduled<Void>?
    /// Requests whose head arrived and whose response has not ended.
    private var inFlight = 0
    private var readingBody = false

    init(registry: ConnectionRegistry) { self.registry = registry }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard id == nil else { return }
        id = registry.open(context.channel)
        arm(context, registry.limits.headerTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if let id { registry.close(id) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inFlight += 1
            readingBody = true
            if let id { registry.busy(id) }
            arm(context, registry.limits.bodyTimeout)
        case .body: break
        case .end:
            readingBody = false
            // Answered before its body ended (a route that reads none): now it waits for the next request.
            if inFlight == 0 { arm(context, registry.limits.idleTimeout) } else { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(inFlight - 1, 0)
            if inFlight == 0 {
                // Answered: the server no longer needs it, even if the client still sends a body
                // nobody reads (that stays under the body deadline), so it may make room.
                if let id { registry.idle(id) }
                if !readingBody { arm(context, registry.limits.idleTimeout) }
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError, inFlight == 0 || readingBody else {
            context.fireErrorCaught(error)
            return
        }
        // The parser gave up on this connection: answer in JSON, as every error is, and close.
        disarm()
        let body = ByteBuffer(
            string: #"{"error":{"code":""# + APIError.Code.badRequest.value
                + #"","message":"the request is not valid HTTP/1.1"}}"#
        )
        let head = HTTPResponse(
            status: .badRequest,
            headerFields: [
                .contentType: "application/json", .contentLength: "\(body.readableBytes)", .connection: "close",
            ]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// On shutdown, a connection with no request being answered is closed now: one that has not sent
    /// a whole request yet would otherwise hold the drain until its deadline (its client is not
    /// acknowledged, so Meta sends again). A request being answered finishes first.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, inFlight == 0 || readingBody {
            disarm()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        disarm()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
