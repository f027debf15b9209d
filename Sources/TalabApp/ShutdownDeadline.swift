import Foundation
public import Logging
public import ServiceLifecycle

/// Bounds a drain: once graceful shutdown starts, the process exits after `seconds` however far the
/// drain got. Nothing is lost by it: a webhook is acknowledged only once stored, a stored body not
/// yet handled waits in the inbox for the next process, a reply not yet sent in the outbox. The
/// clock runs on a thread of its own, so a blocked pool or a stuck connection cannot hold it.
public struct ShutdownDeadline: Service {
    public let seconds: Double
    public let logger: Logger

    public init(seconds: Double, logger: Logger) {
        self.seconds = seconds
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let seconds = seconds
        let logger = logger
        let thread = Thread {
            Thread.sleep(forTimeInterval: seconds)
            logger.warning("the drain did not finish in \(seconds) s; exiting with work left in the inbox and outbox")
            fflush(nil)
            _exit(0)
        }
        thread.name = "talab.deadline"
        thread.start()
    }
}
