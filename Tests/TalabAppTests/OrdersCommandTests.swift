import Foundation
import TalabConfig
import TalabCore
import TalabStore
import TalabTestSupport
import Testing

/// `talab orders` on a placed order, through the binary.
@Suite struct OrdersCommandTests {
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: ServeCommandTests.binary.path), "build talab first")
    )
    func aBusinessListsShowsAdvancesAndCancelsFromTheTerminal() async throws {
        var (fixture, store, placement, cart) = try await ExampleOrder.setUp()
        defer { fixture.pool.close() }
        // An order for later shows its time in the list, in the business's own zone (Beirut, UTC+2).
        placement.scheduledFor = Date(timeIntervalSince1970: 1_796_234_400)
        let order = try await store.place(cart, placement).id
        let short = String(order.lowercasedText.prefix(8))
        func talab(_ arguments: String...) async throws -> Subprocess.Outcome {
            try await Subprocess.run(
                ServeCommandTests.binary.path,
                ["orders"] + arguments + ["--database-url", fixture.url.unredacted]
            )
        }
        let list = try await talab("list", "--tenant", "abu-salim-grill")
        #expect(list.status == 0 && list.output.contains(short) && list.output.contains("pending"), "\(list.output)")
        #expect(list.output.contains("for 2026-12-02T20:00:00+02:00"), "\(list.output)")
        let show = try await talab("show", short)
        #expect(show.output.contains("2 × Chicken Shawarma (Large +1.50, No garlic)"), "\(show.output)")
        #expect(try await talab("advance", short).output.contains("is now accepted"))
        #expect(try await talab("advance", short, "--to", "preparing").output.contains("is now preparing"))
        let illegal = try await talab("advance", short, "--to", "pending")
        #expect(illegal.status == 1 && illegal.output.contains("cannot go from preparing to pending"))
        #expect(try await talab("cancel", short).output.contains("is cancelled"))
        #expect(try await talab("advance", short).status != 0)
        #expect(try await talab("show", "zzzz").output.contains("is not an order id"))
    }
}
