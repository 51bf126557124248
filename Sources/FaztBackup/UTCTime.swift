/// Calendar fields of a UTC instant, by arithmetic (no time-zone database needed).
struct UTCTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    /// The fields of `seconds` since 1970-01-01T00:00:00Z (proleptic Gregorian calendar).
    init(secondsSince1970 seconds: Int64) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        // Civil-from-days over 400-year eras.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `20261130T180000Z` (ISO 8601 basic format).
    var basic: String { date + "T" + pad(hour, 2) + pad(minute, 2) + pad(second, 2) + "Z" }

    /// `20261130`.
    var date: String { pad(year, 4) + pad(month, 2) + pad(day, 2) }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
