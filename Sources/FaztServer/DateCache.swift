import Foundation
import NIOCore

/// The `Date` header value, formatted once per second per event loop instead of per response.
final class DateCache: @unchecked Sendable {
    // Safe: `value` is read and written only on `loop` (handlers of that loop and its repeated task).
    private(set) var value: String
    private let loop: EventLoop

    init(loop: EventLoop) {
        self.loop = loop
        self.value = HTTPDate.format(Date())
        loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
            self?.value = HTTPDate.format(Date())
        }
    }
}

/// IMF-fixdate formatting (`Sun, 06 Nov 1994 08:49:37 GMT`) without a locale-dependent formatter.
enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String { format(epochSeconds: Int64(date.timeIntervalSince1970)) }

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
