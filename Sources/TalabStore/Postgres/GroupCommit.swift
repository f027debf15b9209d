import Synchronization

/// The queue behind a group commit: callers from many tasks each hand in one item and wait; at most
/// `maxWriters` loops take what queued while they were busy, `maxBatch` at a time, and write each
/// batch at once (`write` resumes every caller of its batch, or hands some back with `retry`).
/// Under load a flush per caller becomes a flush per batch; alone, a caller waits for nothing.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    struct Waiting: Sendable {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
    }
    private struct State {
        var queue: [Waiting] = []
        var writers = 0
    }

    private let state = Mutex(State())
    let maxWriters: Int
    let maxBatch: Int
    private let write: @Sendable ([Waiting], GroupCommit) async -> Void

    init(maxWriters: Int, maxBatch: Int, write: @escaping @Sendable ([Waiting], GroupCommit) async -> Void) {
        self.maxWriters = maxWriters
        self.maxBatch = maxBatch
        self.write = write
    }

    /// Queues the item; returns what its batch's write gave it.
    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            enqueue([Waiting(item: item, continuation: continuation)], front: false)
        }
    }

    /// Puts callers back at the head of the queue, for the next batch.
    func retry(_ waiting: [Waiting]) {
        guard !waiting.isEmpty else { return }
        enqueue(waiting, front: true)
    }

    private func enqueue(_ waiting: [Waiting], front: Bool) {
        let startWriter = state.withLock { state -> Bool in
            if front { state.queue.insert(contentsOf: waiting, at: 0) } else { state.queue.append(contentsOf: waiting) }
            guard state.writers < maxWriters else { return false }
            state.writers += 1
            return true
        }
        if startWriter { Task { await drain() } }
    }

    /// Writes batches until the queue is empty, then stops.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.writers -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            await write(batch, self)
        }
    }
}
