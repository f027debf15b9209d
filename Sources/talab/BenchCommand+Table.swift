import ArgumentParser
import Foundation
import TalabBench

extension BenchCommand {
    struct Table: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "table",
            abstract: "Print the figures benchmarks recorded (TALAB_BENCH_SCORECARD) beside their floor and aim.",
            discussion: """
                Each `talab bench …` run appends its headline figures to the file named by \
                TALAB_BENCH_SCORECARD when it is set; `make bench` sets it, runs every benchmark and \
                ends with this table. Exits 1 when a figure is below its floor.
                """
        )

        @Argument(help: ArgumentHelp("The scorecard file.", valueName: "file"))
        var file: String

        func run() async throws {
            try await reportingFailure {
                let figures = try Scorecard.read(URL(fileURLWithPath: file, relativeTo: currentDirectory))
                print(Scorecard.table(figures))
                if figures.contains(where: { $0.verdict == "BELOW FLOOR" }) { throw ExitCode.failure }
            }
        }
    }
}
