public import ArgumentParser
import Foundation
import TalabCore
import TalabStore
import TalabWhatsApp

extension OrderStatus: ExpressibleByArgument {}

/// `talab orders`: a business acts on its orders from the terminal until the dashboard exists.
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "List, show, advance and cancel orders.",
        subcommands: [List.self, Show.self, Advance.self, Cancel.self]
    )

    /// Runs `body` with the order `id` names (a prefix will do), reporting failures as every command does.
    static func withOrder(
        _ id: String,
        _ database: DatabaseOptions,
        _ body: (OrderStore, UUID) async throws -> Void
    ) async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
            defer { pool.close() }
            let store = OrderStore(pool: pool)
            try await body(store, try await store.resolve(id))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The latest orders, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Only this tenant.", valueName: "slug")) var tenant: String?
        @Option(help: "Only orders in this status.") var status: OrderStatus?
        @Option(help: "How many.") var limit = 20

        func run() async throws {
            try await reportingFailure {
                let pool = PostgresPool(url: try database.resolve(), maxConnections: 1)
                defer { pool.close() }
                let orders = try await OrderStore(pool: pool).list(tenant: tenant, status: status, limit: limit)
                guard !orders.isEmpty else {
                    print("No orders.")
                    return
                }
                // In each business's own time zone, with its offset: what its staff read on the wall.
                let formatter = ISO8601DateFormatter()
                for order in orders {
                    formatter.timeZone = TimeZone(identifier: order.timeZone) ?? TimeZone(secondsFromGMT: 0)
                    let id = String(order.id.lowercasedText.prefix(8))
                    let columns =
                        [
                            id, formatter.string(from: order.createdAt), "\(order.business)/\(order.branch)",
                            order.customer,
                            order.deliveryType, order.status, order.total.description,
                        ] + (order.scheduledFor.map { ["for " + formatter.string(from: $0)] } ?? [])
                    print(columns.joined(separator: "  "))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One order: its lines, total and history.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The order id, or its first 8 or more characters.") var id: String

        func run() async throws {
            try await OrdersCommand.withOrder(id, database) { store, orderID in
                let (lines, history) = try await store.details(orderID)
                print("order \(orderID.lowercasedText)")
                for line in lines { print("  \(line)") }
                print("history:")
                for entry in history { print("  \(entry)") }
            }
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move an order on: pending → accepted → preparing → ready → completed."
        )
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The order id, or its first 8 or more characters.") var id: String
        @Option(help: "The status to move to (default: the next one).") var to: OrderStatus?

        func run() async throws {
            try await OrdersCommand.withOrder(id, database) { store, orderID in
                let current = try await store.status(of: orderID)
                guard let target = to ?? OrderStateMachine.forward(from: current) else {
                    throw ValidationError("the order is \(current.rawValue): it does not move on")
                }
                let moved = try await store.move(orderID, to: target, by: .business) { connection in
                    try await OrderNotifier().notify(order: orderID, status: target, on: connection)
                }
                print("order \(orderID.lowercasedText.prefix(8)) is now \(moved.rawValue)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an order that is not completed.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The order id, or its first 8 or more characters.") var id: String

        func run() async throws {
            try await OrdersCommand.withOrder(id, database) { store, orderID in
                try await store.move(orderID, to: .cancelled, by: .business) { connection in
                    try await OrderNotifier().notify(order: orderID, status: .cancelled, on: connection)
                }
                print("order \(orderID.lowercasedText.prefix(8)) is cancelled")
            }
        }
    }
}
