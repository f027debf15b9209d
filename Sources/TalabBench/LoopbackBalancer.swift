import NIOCore
import NIOPosix
import Synchronization

/// A small TCP load balancer on loopback for `talab bench webhook --servers N`: each accepted
/// connection is forwarded whole to the next backend in turn that accepts a connection; a backend
/// that refuses (killed, restarting) is skipped. What one process in front of several `talab serve`
/// does in production, without its TLS.
final class LoopbackBalancer: Sendable {
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    static func start(backends: [Int]) async throws -> LoopbackBalancer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let next = Atomic<Int>(0)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
                return connect(inbound, backends: backends, from: start, tries: backends.count)
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        return LoopbackBalancer(port: channel.localAddress?.port ?? 0, channel: channel, group: group)
    }

    /// Connects `inbound` to a backend, trying the next on a refusal, and glues the two together.
    static func connect(_ inbound: any Channel, backends: [Int], from index: Int, tries: Int) -> EventLoopFuture<Void> {
        let port = backends[index % backends.count]
        return ClientBootstrap(group: inbound.eventLoop)
            .channelOption(.autoRead, value: false)
            .connectTimeout(.seconds(1))
            .connect(host: "127.0.0.1", port: port)
            .flatMap { outbound in
                let (left, right) = GlueHandler.pair()
                // Glued: both sides read as bytes come (the handlers hold reads back while the
                // partner cannot take more).
                return inbound.pipeline.addHandler(left).and(outbound.pipeline.addHandler(right))
                    .flatMap { _ in inbound.setOption(.autoRead, value: true) }
                    .flatMap { outbound.setOption(.autoRead, value: true) }
            }
            .flatMapError { error in
                guard tries > 1 else { return inbound.eventLoop.makeFailedFuture(error) }
                return connect(inbound, backends: backends, from: index + 1, tries: tries - 1)
            }
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Bytes read on one channel written to its partner, with backpressure; either side closing
/// closes the other (the pattern of NIO's connect-proxy example).
final class GlueHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func pair() -> (GlueHandler, GlueHandler) {
        let first = GlueHandler()
        let second = GlueHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    private func partnerWriteEOF() { context?.close(mode: .output, promise: nil) }
    private func partnerCloseFull() { context?.close(promise: nil) }
    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }
    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.partnerWrite(data) }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.partnerFlush() }

    func channelInactive(context: ChannelHandlerContext) { partner?.partnerCloseFull() }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { partner?.partnerWriteEOF() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { partner?.partnerCloseFull() }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
