import Foundation
import Synchronization
import TalabCore

#if canImport(Glibc)
import Glibc
#endif

/// Notifications from `LISTEN` on a session of their own, as an `AsyncSequence`.
///
/// The runtime server keeps its catalog snapshot fresh from these. A thread of the listener's own
/// waits on the socket with `poll`, so no task blocks; `stop()` wakes it through a pipe.
public final class PostgresListener: Sendable {
    public let notifications: AsyncThrowingStream<PostgresNotification, any Error>
    private let wake: WakePipe

    private init(notifications: AsyncThrowingStream<PostgresNotification, any Error>, wake: WakePipe) {
        self.notifications = notifications
        self.wake = wake
    }

    deinit {
        wake.signal()
    }

    /// Connects, runs `LISTEN` for each channel, and only then returns, so nothing sent afterwards is missed.
    public static func listen(url: DatabaseURL, channels: [String]) async throws -> PostgresListener {
        let executor = DedicatedThreadExecutor(name: "talab.postgres.listen")
        defer { executor.shutdown() }
        let connection = try await executor.perform { () throws(PostgresError) in
            let connection = try LibPQConnection.open(url)
            for channel in channels {
                try connection.executeScript("LISTEN \(try connection.escapeIdentifier(channel))", name: "listen")
            }
            return connection
        }
        let wake = try WakePipe()
        let (stream, continuation) = AsyncThrowingStream<PostgresNotification, any Error>.makeStream()
        continuation.onTermination = { _ in wake.signal() }
        let thread = Thread {
            DedicatedThreadExecutor.nameCurrentThread("talab.pg.listen")
            PostgresListener.run(connection: connection, wake: wake, continuation: continuation)
        }
        thread.start()
        return PostgresListener(notifications: stream, wake: wake)
    }

    /// Ends the sequence and closes the session.
    public func stop() {
        wake.signal()
    }

    private static func run(
        connection: LibPQConnection,
        wake: WakePipe,
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) {
        var descriptors = [
            pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || descriptors[1].revents != 0 { break }
            do {
                for notification in try connection.drainNotifications() {
                    continuation.yield(notification)
                }
            } catch {
                continuation.finish(throwing: error)
                return
            }
        }
        continuation.finish()
    }
}

/// A pipe whose only job is to wake a thread blocked in `poll`.
final class WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws(PostgresError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw PostgresError(.connectionFailed, "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        readEnd = ends[0]
        writeEnd = ends[1]
        // Programs we start (initdb, pg_ctl) must not inherit the pipe.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
