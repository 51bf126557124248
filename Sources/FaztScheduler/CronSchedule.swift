import FaztStorage
import Foundation

/// A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds
/// first; `*`, lists, ranges, steps, month and weekday names, `?`, and `@hourly`-style macros.
///
/// When both day fields are restricted a day matches either (classic cron); `7` is Sunday too.
public struct CronSchedule: Sendable, Equatable {
    var seconds: Set<Int>
    var minutes: Set<Int>
    var hours: Set<Int>
    var days: Set<Int>
    var months: Set<Int>
    var weekdays: Set<Int>
    var daysRestricted: Bool
    var weekdaysRestricted: Bool
    public let timeZone: TimeZone

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `expression` for time zone `tz` (an IANA name; UTC when nil); throws a message naming
    /// the bad field.
    public init(_ expression: String, tz: String? = nil) throws(CronError) {
        let text = expression.trimmingCharacters(in: .whitespaces).lowercased()
        let expanded = Self.macros[text] ?? text
        var fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw CronError(
                "\"\(expression)\" must have 5 fields (minute hour day month weekday) or 6 (with seconds first)"
            )
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        guard let zone = tz.map({ TimeZone(identifier: $0) }) ?? TimeZone(identifier: "UTC") else {
            throw CronError("unknown time zone \"\(tz ?? "")\"")
        }
        timeZone = zone
        seconds = try Self.field(fields[0], "second", 0...59)
        minutes = try Self.field(fields[1], "minute", 0...59)
        hours = try Self.field(fields[2], "hour", 0...23)
        days = try Self.field(fields[3], "day of month", 1...31)
        months = try Self.field(fields[4], "month", 1...12, names: Self.monthNames, nameBase: 1)
        var weekdays = try Self.field(fields[5], "day of week", 0...7, names: Self.dayNames, nameBase: 0)
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        self.weekdays = weekdays
        daysRestricted = !(fields[3] == "*" || fields[3] == "?")
        weekdaysRestricted = !(fields[5] == "*" || fields[5] == "?")
    }

    private static func field(
        _ text: String,
        _ name: String,
        _ range: ClosedRange<Int>,
        names: [String] = [],
        nameBase: Int = 0
    ) throws(CronError) -> Set<Int> {
        func value(_ token: Substring) throws(CronError) -> Int {
            if let index = names.firstIndex(of: String(token)) { return index + nameBase }
            guard let number = Int(token), range.contains(number) else {
                throw CronError("\(name): \"\(token)\" is not in \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else { throw CronError("\(name): cannot read \"\(part)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number > 0 else {
                    throw CronError("\(name): bad step in \"\(part)\"")
                }
                step = number
            }
            var low = range.lowerBound
            var high = range.upperBound
            if pieces[0] != "*" && pieces[0] != "?" {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw CronError("\(name): cannot read \"\(part)\"") }
                low = try value(bounds[0])
                high = bounds.count == 2 ? try value(bounds[1]) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw CronError("\(name): range \"\(pieces[0])\" runs backwards") }
            }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out
    }

    /// The first matching time strictly after `after` (ms since 1970), or nil if none within ~5 years.
    public func next(after: Int64) -> Int64? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var date = Date(timeIntervalSince1970: Double(after / 1000 + 1))
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while date < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                let second = c.second, let weekday = c.weekday
            else { return nil }
            if !months.contains(month) {
                let start = calendar.date(from: DateComponents(year: year, month: month + 1, day: 1))
                guard let start, start > date else { return nil }
                date = start
                continue
            }
            if !dayMatches(day: day, weekday: weekday - 1) {
                let start = calendar.date(from: DateComponents(year: year, month: month, day: day + 1))
                guard let start, start > date else { return nil }
                date = start
                continue
            }
            if !hours.contains(hour) {
                date = date.addingTimeInterval(Double(3600 - minute * 60 - second))
                continue
            }
            if !minutes.contains(minute) {
                date = date.addingTimeInterval(Double(60 - second))
                continue
            }
            if !seconds.contains(second) {
                date = date.addingTimeInterval(1)
                continue
            }
            return Int64(date.timeIntervalSince1970) * 1000
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }

    /// The next run of a stored cron job (`spec` is its `{"cron", "tz", "overlap"}` state): after
    /// `catchUp` when the schedule queues overlapping runs, else after `after`.
    public static func next(spec: String, after: Int64, catchUp: Int64? = nil) -> Int64? {
        guard let value = try? JSONValue.parse(spec), let expression = value["cron"]?.stringValue,
            let schedule = try? CronSchedule(expression, tz: value["tz"]?.stringValue)
        else { return nil }
        let from = value["overlap"]?.stringValue == "queue" ? (catchUp ?? after) : after
        return schedule.next(after: from)
    }
}

/// A cron expression that cannot be read.
public struct CronError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
