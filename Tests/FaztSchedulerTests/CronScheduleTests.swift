import FaztScheduler
import Foundation
import Testing

@Suite struct CronScheduleTests {
    /// 2026-01-01T00:00:00Z, a Thursday.
    let newYear: Int64 = 1_767_225_600_000

    @Test func everyFiveMinutesAndSeconds() throws {
        let five = try CronSchedule("*/5 * * * *")
        #expect(five.next(after: newYear) == newYear + 5 * 60_000)
        #expect(five.next(after: newYear + 1) == newYear + 5 * 60_000)
        let seconds = try CronSchedule("*/10 * * * * *")
        #expect(seconds.next(after: newYear) == newYear + 10_000)
    }

    @Test func namesRangesListsAndWeekdays() throws {
        // Weekdays at 9:30: Thursday 1 January, then Friday, then Monday 5 January.
        let weekdays = try CronSchedule("30 9 * * mon-fri")
        let first = weekdays.next(after: newYear)!
        #expect(first == newYear + (9 * 60 + 30) * 60_000)
        let third = weekdays.next(after: weekdays.next(after: first)!)!
        #expect(third == first + 4 * 86_400_000)
        let sunday = try CronSchedule("0 0 * * 7")
        #expect(sunday.next(after: newYear) == newYear + 3 * 86_400_000)
        let leap = try CronSchedule("0 12 29 feb *")
        let next = leap.next(after: newYear)!
        #expect(
            ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(next) / 1000))
                == "2028-02-29T12:00:00Z"
        )
        #expect(try CronSchedule("@hourly").next(after: newYear) == newYear + 3_600_000)
    }

    @Test func timeZones() throws {
        let tokyo = try CronSchedule("0 9 * * *", tz: "Asia/Tokyo")
        // 09:00 in Tokyo is 00:00 UTC.
        #expect(tokyo.next(after: newYear - 1) == newYear)
    }

    @Test func rejectsBadExpressionsWithTheField() {
        for (expression, word) in [
            ("* * * *", "5 fields"), ("61 * * * *", "minute"), ("* 24 * * *", "hour"),
            ("* * 0 * *", "day of month"), ("* * * 13 *", "month"), ("* * * * 8", "day of week"),
            ("*/0 * * * *", "step"),
        ] {
            do {
                _ = try CronSchedule(expression)
                Issue.record("\(expression) was accepted")
            } catch {
                #expect(error.message.contains(word), "\(expression): \(error.message)")
            }
        }
        #expect(throws: CronError.self) { try CronSchedule("* * * * *", tz: "Mars/Olympus") }
    }
}
