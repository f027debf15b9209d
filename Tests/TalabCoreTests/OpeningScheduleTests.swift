import Foundation
import TalabConfig
import TalabCore
import TalabTestSupport
import Testing

/// The example restaurant's hours, read from `Tenants/` through the YAML layer, in Asia/Beirut.
@Suite struct OpeningScheduleTests {
    static let restaurant: OpeningSchedule = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let tenant = try! TenantLoader().load(from: WorktreeSource(root: root), only: ["abu-salim-grill"]).tenants[0]
        return OpeningSchedule(business: tenant.business)!
    }()

    /// A wall-clock moment in Beirut.
    static func beirut(_ text: String) -> Date { beirutTime(text) }

    @Test(arguments: [
        ("2026-11-26 10:59", false),  // Thursday before opening
        ("2026-11-26 11:00", true),
        ("2026-11-26 23:29", true),
        ("2026-11-26 23:30", false),  // Thursday closes at 23:30
        ("2026-11-27 23:59", true),  // Friday runs past midnight
        ("2026-11-28 01:30", true),  // … into Saturday
        ("2026-11-28 02:00", false),
        ("2026-11-29 01:00", true),  // Saturday's late night, into Sunday
        ("2026-11-29 11:30", false),  // Sunday opens at 12:00
        ("2026-11-30 00:30", false),  // Sunday closes at 23:00, no spill
        ("2026-12-25 13:00", false),  // Christmas, closed
    ])
    func openOrClosedAtWallClockTimes(moment: String, open: Bool) {
        #expect(OpeningScheduleTests.restaurant.isOpen(at: OpeningScheduleTests.beirut(moment)) == open, "\(moment)")
    }

    @Test func aClosedHolidayAlsoCancelsItsOwnLateNightAndAnOverrideCanRunLater() {
        // Christmas 2026 is a Friday: closed, so no Friday night spill into Saturday 01:00.
        #expect(!OpeningScheduleTests.restaurant.isOpen(at: OpeningScheduleTests.beirut("2026-12-26 01:00")))
        // New Year's Eve is open until 04:00.
        #expect(OpeningScheduleTests.restaurant.isOpen(at: OpeningScheduleTests.beirut("2027-01-01 03:30")))
        #expect(!OpeningScheduleTests.restaurant.isOpen(at: OpeningScheduleTests.beirut("2027-01-01 04:00")))
    }

    @Test func theNextOpeningIsFoundAcrossClosedDays() {
        let schedule = OpeningScheduleTests.restaurant
        #expect(
            schedule.nextOpening(after: OpeningScheduleTests.beirut("2026-11-26 08:00"))
                == OpeningScheduleTests.beirut("2026-11-26 11:00")
        )
        #expect(
            schedule.nextOpening(after: OpeningScheduleTests.beirut("2026-11-29 00:00"))
                == OpeningScheduleTests.beirut("2026-11-29 00:00")
        )
        #expect(
            schedule.nextOpening(after: OpeningScheduleTests.beirut("2026-11-30 00:30"))
                == OpeningScheduleTests.beirut("2026-11-30 11:00")
        )
        // Christmas closed: the next opening is Saturday the 26th at 11:00.
        #expect(
            schedule.nextOpening(after: OpeningScheduleTests.beirut("2026-12-25 09:00"))
                == OpeningScheduleTests.beirut("2026-12-26 11:00")
        )
    }

    @Test func hoursFollowTheWallClockAcrossADaylightSavingChange() {
        // Lebanon moves its clocks forward at midnight on the last Sunday of March (2027-03-28):
        // 00:00–00:59 does not exist that night. A Saturday open until 02:00 closes at 02:00 wall time.
        let schedule = OpeningScheduleTests.restaurant
        let saturdayLate = OpeningScheduleTests.beirut("2027-03-27 23:30")
        #expect(schedule.isOpen(at: saturdayLate))
        let closing = OpeningScheduleTests.beirut("2027-03-28 02:00")
        #expect(!schedule.isOpen(at: closing))
        #expect(schedule.isOpen(at: closing.addingTimeInterval(-60)))
        // Only half an hour of real time passes between 23:30 and 01:00 wall time that night.
        #expect(OpeningScheduleTests.beirut("2027-03-28 01:00").timeIntervalSince(saturdayLate) == 30 * 60)
    }
}
