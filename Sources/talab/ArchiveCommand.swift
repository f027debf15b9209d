import ArgumentParser
import Foundation
import Synchronization
import TalabApp
import TalabStore

/// `talab archive`: finished orders older than a day (or `--older-than`) into the history.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move finished orders (completed or cancelled) older than --older-than into the history.",
        discussion: """
            Each order becomes one order_logs document (items with their options, status timeline, bookings, \
            delivery address, customer), then its rows are deleted, in batches. Safe to stop at any moment and \
            to run beside `talab serve` (which archives every few minutes) or another archive: a rerun finds \
            what was written and finishes; nothing is lost or written twice. A role that is not a superuser \
            deletes faster once granted `SET ON PARAMETER session_replication_role` (PostgreSQL 15): the \
            archiver then skips the per-row foreign-key checks while that is safe.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(
        help: ArgumentHelp("How long after it finished an order stays live: 90m, 24h, 7d.", valueName: "duration")
    )
    var olderThan: AgeOption = AgeOption(seconds: 24 * 60 * 60)
    @Flag(help: "Count the orders due and change nothing.") var dryRun = false
    @Option(help: ArgumentHelp("Orders per transaction.", valueName: "n")) var batch = OrderArchiver.defaultBatch
    @Option(help: ArgumentHelp("Batches archived side by side, each on its own connection.", valueName: "n"))
    var parallel = 2
    @Option(help: .hidden) var pauseAfterAppend: Double?

    func validate() throws {
        guard (1...10_000).contains(batch) else { throw ValidationError("--batch is 1 to 10,000 orders") }
        guard (1...16).contains(parallel) else { throw ValidationError("--parallel is 1 to 16") }
    }

    func run() async throws {
        try await reportingFailure {
            let pool = PostgresPool(url: try database.resolve(), maxConnections: parallel + 1)
            defer { pool.close() }
            let history = try HistorySettings()
            var archiver = OrderArchiver(
                pool: pool,
                store: history.store(pool: pool),
                olderThan: olderThan.seconds,
                batch: batch
            )
            let due = try await archiver.countDue()
            guard !dryRun else {
                print("\(due) orders finished more than \(olderThan) ago would be archived.")
                return
            }
            if let pause = pauseAfterAppend {
                // For crash tests: say where it stands, then wait to be killed.
                archiver.afterAppend = { ids in
                    print("appended \(ids.count) documents; deleting their rows in \(pause)s")
                    fflush(nil)
                    try? await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                }
            }
            let started = ContinuousClock.now
            let lastReport = LockedClock()
            // A crash test pauses after one batch's append: it runs one batch at a time.
            let parallel = pauseAfterAppend == nil ? parallel : 1
            let progress = try await archiver.archiveAll(parallel: parallel) { progress in
                // A line a second on a long run.
                guard lastReport.due() else { return }
                print("archived \(progress.archived) of \(due) orders")
                fflush(nil)
            }
            let elapsed = (ContinuousClock.now - started).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            let resumed = progress.resumed > 0 ? " (\(progress.resumed) finished from an earlier run)" : ""
            print(
                "Archived \(progress.archived) orders in \(progress.batches) batches\(resumed), "
                    + String(format: "%.1f s.", seconds)
            )
        }
    }
}

/// A duration written as a number and a unit: `90m`, `24h`, `7d` (or seconds: `3600`, `30s`).
struct AgeOption: ExpressibleByArgument, CustomStringConvertible {
    let seconds: TimeInterval

    init(seconds: TimeInterval) { self.seconds = seconds }

    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        var unit = 1.0
        if let last = text.last, let scale = units[last] {
            unit = scale
            text.removeLast()
        }
        guard let value = Double(text), value.isFinite, value >= 0, value * unit < 100 * 365 * 86_400 else {
            return nil
        }
        seconds = value * unit
    }

    var description: String {
        // Days from two on (48h reads as 2d), else the largest unit that divides it.
        for (unit, scale, from) in [("d", 86_400.0, 172_800.0), ("h", 3600, 3600), ("m", 60, 60)]
        where seconds >= from && seconds.truncatingRemainder(dividingBy: scale) == 0 {
            return "\(Int(seconds / scale))\(unit)"
        }
        return "\(Int(seconds))s"
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Says when a second has passed since it last said so.
final class LockedClock: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func due() -> Bool {
        last.withLock { last in
            guard ContinuousClock.now - last >= .seconds(1) else { return false }
            last = ContinuousClock.now
            return true
        }
    }
}
