import Foundation
import NIOCore
import NIOPosix

/// A lean HTTP/1.1 load generator: each connection sends ready-made request bytes, one request in
/// flight at a time over keep-alive, and reads only the status line and the body's length. It
/// leaves the cores to the server being measured, where a full HTTP client would take a third.
struct LoadClient: Sendable {
    let host: String
    let port: Int

    /// What one connection saw: per request, its index, whether the answer was 200, and the latency.
    struct Result: Sendable {
        var answers: [(index: Int, ok: Bool, seconds: Double)] = []
        var failed = 0
    }

    /// Runs one connection: asks `next` for the index of a request and when it is due, until nil.
    /// A lost connection (a server killed mid-run) is opened again; its request in flight is lost.
    func run(
        request: @Sendable (Int) -> ByteBuffer,
        next: @Sendable () -> (index: Int, due: ContinuousClock.Instant)?,
        giveUpAt: ContinuousClock.Instant
    ) async -> Result {
        var result = Result()
        var finished = false
        while !finished {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            // A server that stops answering (hung, or a connection no one holds)
                            // costs this connection 10 s, then it is opened again: a run always ends.
                            try channel.pipeline.syncOperations.addHandlers(
                                IdleStateHandler(readTimeout: .seconds(10)),
                                CloseWhenIdle()
                            )
                            return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                try await channel.executeThenClose { inbound, outbound in
                    var responses = inbound.makeAsyncIterator()
                    var pending = ByteBuffer()
                    let clock = ContinuousClock()
                    while true {
                        guard let (index, due) = next() else {
                            finished = true
                            return
                        }
                        if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                        let sent = clock.now
                        try await outbound.write(request(index))
                        var status: Int?
                        while status == nil {
                            if let (code, length) = LoadClient.response(in: pending) {
                                pending.moveReaderIndex(forwardBy: length)
                                pending.discardReadBytes()
                                status = code
                            } else {
                                guard var chunk = try await responses.next() else { throw LoadClientError.closed }
                                pending.writeBuffer(&chunk)
                            }
                        }
                        result.answers.append((index, status == 200, (clock.now - sent).seconds))
                    }
                }
            } catch {
                result.failed += 1
                if ContinuousClock.now > giveUpAt { break }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return result
    }

    /// A whole response at the buffer's start: its status and its length in bytes.
    static func response(in buffer: ByteBuffer) -> (status: Int, length: Int)? {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let first = lines.first, first.count >= 12, let status = Int(first.dropFirst(9).prefix(3)) else {
            return nil
        }
        var length = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let total = end.upperBound - view.startIndex + length
        return view.count >= total ? (status, total) : nil
    }

    /// The bytes of a signed POST of `body`.
    static func post(path: String, host: String, body: [UInt8], signature: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(
            "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\n"
                + "X-Hub-Signature-256: \(signature)\r\nContent-Length: \(body.count)\r\n\r\n"
        )
        buffer.writeBytes(body)
        return buffer
    }
}

enum LoadClientError: Error {
    case closed
}

/// Closes a connection when `IdleStateHandler` says nothing was read for its timeout.
final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
