import Foundation
import Glibc

/// A raw TCP connection to a loopback port, for the clients no HTTP library would be (silent, slow,
/// broken) in tests and `talab bench attack`. Non-blocking, so thousands are driven from one thread.
public final class LoopbackSocket: Sendable {
    let descriptor: Int32

    public struct ConnectError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(port: Int) throws(ConnectError) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ConnectError(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw ConnectError(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { Glibc.close(descriptor) }

    /// Sends what the socket takes now; returns how many bytes went.
    @discardableResult
    public func send(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBytes { buffer in
            max(Glibc.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)), 0)
        }
    }

    /// Sends a short text (it fits the socket's buffer).
    public func send(_ text: String) { send(ArraySlice(Array(text.utf8))) }

    /// What arrived until the peer closed the connection or `timeout` passed; `closed` says which.
    /// With `until`, it returns as soon as the text read holds it.
    public func read(timeout: Duration, until: String? = nil) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // Reads while something is there, waiting for more until the deadline.
        while true {
            let left = max(deadline - ContinuousClock.now, .zero)
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(milliseconds)) > 0 else {
                if ContinuousClock.now >= deadline { break }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return (String(decoding: received, as: UTF8.self), true)
            }
            received += buffer[0..<count]
            if let until, String(decoding: received, as: UTF8.self).contains(until) { break }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// Whether the peer closed it, without waiting.
    public var isClosed: Bool { read(timeout: .zero).closed }
}
