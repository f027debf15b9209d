import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import TalabCore
public import TalabStore

/// Sends queued replies through the Graph API: one customer's replies in order, customers in
/// parallel; the branch's token, else the business's, opened from the database.
public struct OutboundSender: Service {
    public let queue: OutboundQueue
    public let graph: GraphClient
    public let sealer: SecretSealer?
    public let doorbell: Doorbell
    public let logger: Logger
    public let batch: Int

    public init(
        pool: PostgresPool,
        graph: GraphClient,
        sealer: SecretSealer?,
        doorbell: Doorbell,
        logger: Logger,
        batch: Int = 64
    ) {
        self.queue = OutboundQueue(pool: pool)
        self.graph = graph
        self.sealer = sealer
        self.doorbell = doorbell
        self.logger = logger
        self.batch = batch
    }

    /// Claims and sends continuously: a customer's chain of replies goes out as soon as it is
    /// claimed, and the next claim does not wait for the slowest chain of the previous one (a reply
    /// queued meanwhile would). At most `batch` replies are in flight; a finished chain rings for
    /// the next claim (its customer's later replies are claimable once it is marked).
    public func run() async throws {
        let inFlight = InFlight()
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let free = batch - inFlight.count.withLock { $0 }
                var claimed = 0
                if free > 0 {
                    // Claiming and sending are not cancelled by a graceful shutdown: a post cut off
                    // mid-way may have reached Meta, and would be posted again. The drain's deadline
                    // bounds it; the group waits for the chains in flight.
                    let pending = try await queue.lease(free)
                    claimed = pending.count
                    inFlight.count.withLock { $0 += claimed }
                    for chain in OutboundSender.chains(pending) {
                        group.addTask {
                            defer {
                                inFlight.count.withLock { $0 -= chain.count }
                                doorbell.ring()
                            }
                            _ = try await send(chain)
                        }
                    }
                }
                // Rest until rung (a reply queued, or a chain done) unless the claim was full;
                // postponed replies come due on the timeout.
                if claimed == 0 || claimed < free {
                    try? await cancelWhenGracefulShutdown { await doorbell.wait(timeout: .seconds(1)) }
                }
            }
        }
    }

    /// Replies claimed and not yet sent or given up.
    private final class InFlight: Sendable {
        let count = Mutex(0)
    }

    enum Result: Sendable {
        case sent(String?)
        case failed(GraphError)
    }

    /// Leases one batch and sends it: customers in parallel, each customer's replies one after
    /// another, each marked as soon as the Graph API answered. Returns how many replies it tried.
    @discardableResult
    public func sendOnce() async throws -> Int {
        let pending = try await queue.lease(batch)
        guard !pending.isEmpty else { return 0 }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for chain in OutboundSender.chains(pending) { group.addTask { try await send(chain) } }
            return try await group.reduce(0, +)
        }
    }

    /// The claimed replies by customer, each customer's in order: chains sent side by side.
    static func chains(_ pending: [OutboundQueue.Pending]) -> [[OutboundQueue.Pending]] {
        var chains: [[OutboundQueue.Pending]] = []
        var chainOf: [UUID: Int] = [:]
        for message in pending.sorted(by: { $0.id < $1.id }) {
            if let customer = message.customer, let index = chainOf[customer] {
                chains[index].append(message)
            } else {
                if let customer = message.customer { chainOf[customer] = chains.count }
                chains.append([message])
            }
        }
        return chains
    }

    /// One customer's replies, one after another, each marked as soon as the Graph API answered. A
    /// failure stops the chain: the rest wait behind it, in order. Returns how many it tried.
    private func send(_ chain: [OutboundQueue.Pending]) async throws -> Int {
        for (index, message) in chain.enumerated() {
            let result = await deliver(message)
            try await record(result, of: message)
            if case .failed = result {
                try await queue.release(chain.dropFirst(index + 1).map(\.id))
                return index + 1
            }
        }
        return chain.count
    }

    /// Marks one reply as the Graph API answered it, at once: the fewer replies posted and not yet
    /// marked, the fewer a killed process posts again after its restart.
    private func record(_ result: Result, of message: OutboundQueue.Pending) async throws {
        switch result {
        case .sent(let metaID):
            try await queue.markSent(message.id, metaMessageID: metaID)
        case .failed(let error) where error.retryable:
            try await queue.postpone(message.id, code: error.code, error: error.description)
        case .failed(let error):
            logger.warning(
                "reply not sent",
                metadata: ["outbound_id": "\(message.id)", "code": "\(error.code ?? 0)", "title": "\(error.title)"]
            )
            try await queue.markFailed(message.id, code: error.code, error: error.description)
        }
    }

    private func deliver(_ message: OutboundQueue.Pending) async -> Result {
        guard let sealed = message.token, let sealer, let token = sealer.open(sealed) else {
            return .failed(
                GraphError(
                    httpStatus: nil,
                    code: nil,
                    title: "no readable access token for this number",
                    retryable: false
                )
            )
        }
        do {
            return .sent(
                try await graph.send(Array(message.body.utf8), from: message.phoneNumberID, token: token).messageID
            )
        } catch {
            return .failed(error)
        }
    }

}
