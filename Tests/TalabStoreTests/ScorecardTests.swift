import Foundation
import TalabBench
import Testing

@Suite struct ScorecardTests {
    @Test func figuresAreJudgedAgainstFloorAndAimInTheirDirection() {
        #expect(Scorecard.Figure("r", "first apply", 13.4, "s", floor: 30, aim: 3).verdict == "floor met, aim not")
        #expect(Scorecard.Figure("r", "first apply", 2.9, "s", floor: 30, aim: 3).verdict == "aim met")
        #expect(Scorecard.Figure("r", "first apply", 31, "s", floor: 30, aim: 3).verdict == "BELOW FLOOR")
        #expect(
            Scorecard.Figure("w", "acks", 7_869, "/s", aim: 8_000, higherIsBetter: true).verdict == "aim not met"
        )
        #expect(Scorecard.Figure("d", "share", 69, "%", floor: 70, higherIsBetter: true).verdict == "BELOW FLOOR")
        #expect(Scorecard.Figure("w", "lost", 0, "", floor: 0).verdict == "floor met")
        #expect(Scorecard.Figure("w", "p99", 12, "ms").verdict == "")
    }

    @Test func runsAppendToOneFileThatPrintsAsOneTable() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scorecard-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let environment = [Scorecard.environmentKey: file.path]
        try Scorecard.record(
            [.init("reconcile", "first apply", 13.396, "s", floor: 30, aim: 3)],
            environment: environment
        )
        try Scorecard.record(
            [.init("webhook", "acknowledgements", 7_869, "/s", aim: 8_000, higherIsBetter: true)],
            environment: environment
        )
        // Without the variable nothing is written.
        try Scorecard.record([.init("x", "y", 1, "s")], environment: [:])
        let figures = try Scorecard.read(file)
        #expect(figures.map(\.name) == ["first apply", "acknowledgements"])
        let lines = Scorecard.table(figures).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[2].contains("13.40 s") && lines[2].contains("≤ 30 s") && lines[2].contains("≤ 3 s"))
        #expect(
            lines[3].contains("7,869 /s") && lines[3].contains("≥ 8,000 /s") && lines[3].hasSuffix("aim not met")
        )
    }
}
