import Foundation

/// A serial executor backed by one thread of its own.
///
/// libpq blocks the calling thread while the server works. Running those calls here, rather than on
/// Swift's cooperative pool or an event loop, keeps a slow query from starving unrelated tasks.
/// Each `PostgresConnection` owns one such executor.
///
/// It is a task executor too: a transaction's code prefers this thread, so the hop to the
/// connection and back for each statement is a queue on one thread, not a wake-up of another.
final class DedicatedThreadExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // `@unchecked Sendable`: every mutable field is guarded by `condition`.
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in
            DedicatedThreadExecutor.nameCurrentThread(name)
            run()
        }
        thread.start()
    }

    /// Names the calling thread for `top -H` and profilers; Linux keeps the first 15 bytes.
    static func nameCurrentThread(_ name: String) {
        Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Runs a blocking closure on this executor's thread and returns its result to the caller.
    func perform<Result: Sendable>(
        _ body: @escaping @Sendable () throws(PostgresError) -> Result
    ) async throws(PostgresError) -> Result {
        let outcome: Swift.Result<Result, PostgresError> = await withCheckedContinuation { continuation in
            submit(
                .closure {
                    do throws(PostgresError) {
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
    func shutdown() {
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
