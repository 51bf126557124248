import Glibc

/// The `Date` header value, formatted at most once per second per event loop.
///
/// It refreshes lazily on use, so an idle server has no timer waking it up.
final class DateCache: @unchecked Sendable {
    // Safe: used only by the handlers of one event loop, so only from that loop's thread.
    private var formatted = ""
    private var second: Int = -1

    /// The current `Date` value.
    var value: String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        if now.tv_sec != second {
            second = now.tv_sec
            formatted = HTTPDate.format(epochSeconds: Int64(now.tv_sec))
        }
        return formatted
    }
}

/// IMF-fixdate formatting (`Sun, 06 Nov 1994 08:49:37 GMT`) without a locale-dependent formatter.
enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(epochSeconds: Int64) -> String {
        let dayNumber = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondsOfDay = Int(epochSeconds - dayNumber * 86_400)
        // Civil-from-days (proleptic Gregorian), Howard Hinnant's well-known algorithm.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = days[Int(((dayNumber % 7) + 7) % 7)]
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(pad(Int(day))) \(months[Int(month) - 1]) \(year) "
            + "\(pad(secondsOfDay / 3600)):\(pad(secondsOfDay / 60 % 60)):\(pad(secondsOfDay % 60)) GMT"
    }
}
