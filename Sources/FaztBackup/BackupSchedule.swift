/// When scheduled backups (`fazt serve --backup-every`) run: a pure function of the clock.
public enum BackupSchedule {
    /// Parses `90s`, `30m`, `6h`, `1d` into milliseconds (at least one second).
    public static func parseInterval(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0,
            count <= 365 * 86_400_000 / unit
        else {
            throw BackupError(
                .invalidArgument,
                "'\(text)' is not an interval: write a positive number and s, m, h or d (e.g. 6h), at most a year"
            )
        }
        return count * unit
    }

    /// The next run (ms): one interval after the last attempt, or after `started` when there was
    /// none; never before `now` (a server that was down past its slot backs up at once).
    public static func nextRun(lastAttempt: Int64?, started: Int64, every: Int64, now: Int64) -> Int64 {
        max(now, (lastAttempt ?? started) + every)
    }
}
