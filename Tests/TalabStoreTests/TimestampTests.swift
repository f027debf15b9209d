import Foundation
import TalabStore
import Testing

/// The ISO times documents and sort keys carry, read to the microsecond, and nonsense refused.
@Suite struct TimestampTests {
    @Test(
        arguments: [
            ("2026-12-05T13:02:11.123456+00:00", 1_796_475_731.123456),
            ("2026-12-05T15:02:11.123456+02:00", 1_796_475_731.123456),
            ("2026-12-05T13:02:11Z", 1_796_475_731.0),
            ("2026-12-05T13:02:11.1Z", 1_796_475_731.1),
            // Digits past the microsecond are dropped, not a crash.
            ("2026-12-05T13:02:11.123456789Z", 1_796_475_731.123456),
            ("2026-12-05T10:32:11.5-02:30", 1_796_475_731.5),
        ]
    )
    func timesAreReadToTheMicrosecond(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
    }

    @Test(arguments: [
        "", "2026-12-05", "2026-12-05 13:02:11Z", "2026-12-05T13:02:11", "2026-12-05T13:02:11+", "not a time at all!!",
    ])
    func nonsenseIsNotATime(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
