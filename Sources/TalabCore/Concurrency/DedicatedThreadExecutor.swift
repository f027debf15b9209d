import Foundation

/// A serial executor backed by one thread of its own, for C libraries that block the calling thread
/// (libpq while the server works, libgit2 while it reads or writes objects). Running those calls
/// here, rather than on Swift's cooperative pool or an event loop, keeps a slow call from starving
/// unrelated tasks. Each `PostgresConnection` and each `GitRepository` owns one.
///
/// It is a task executor too: a transaction's code prefers this thread, so the hop to the
/// connection and back for each statement is a queue on one thread, not a wake-up of another.
public final class DedicatedThreadExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // `@unchecked Sendable`: every mutable field is guarded by `condition`.
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var stopping = false

    public init(name: String) {
        let thread = Thread { [self] in
            DedicatedThreadExecutor.nameCurrentThread(name)
            run()
        }
        thread.start()
    }

    /// Names the calling thread for `top -H` and profilers; Linux keeps the first 15 bytes.
    public static func nameCurrentThread(_ name: String) {
        Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Runs a blocking closure on this executor's thread and returns its result to the caller.
    public func perform<Result: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        let outcome: Swift.Result<Result, Failure> = await withCheckedContinuation { continuation in
            submit(
                .closure {
                    do throws(Failure) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            )
        }
        return try outcome.get()
    }

    /// Lets the thread finish the work already queued, then end.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func submit(_ work: Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [Work] = []
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                condition.wait()
            }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &queue)
            condition.unlock()
            for work in batch {
                switch work {
                case .job(let job):
                    // The connection's own calls and the code that prefers this thread alike.
                    job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                case .closure(let body): body()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
