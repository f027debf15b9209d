import Foundation
public import Logging
public import ServiceLifecycle
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

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A round is not cancelled by a graceful shutdown: a post cut off mid-way may have
            // reached Meta, and would be posted again. The drain's deadline bounds it.
            let sent = try await sendOnce()
            // Rest until rung (at once when a reply was queued during this round) unless the round
            // was full; postponed replies come due on the timeout.
            if sent < batch { try? await cancelWhenGracefulShutdown { await doorbell.wait(timeout: .seconds(1)) } }
        }
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
        // A failure stops its customer's chain: the rest wait behind it, in order.
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
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for chain in chains {
                group.addTask {
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
            }
            return try await group.reduce(0, +)
        }
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
