import Foundation
import Glibc

/// The standard `process_*` families of Prometheus client libraries, read from `/proc/self`.
enum ProcessMetrics {
    /// Field `number` (1-based, as proc(5) counts) of `/proc/self/stat`, or nil when unreadable.
    static func statFields() -> ((Int) -> Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name start at field 3 (state); see proc(5).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return { number in fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
    }

    /// The resident memory in bytes and the start time (seconds since 1970) of this process.
    static func residentAndStart() -> (residentBytes: Double, startSeconds: Double?) {
        guard let field = statFields() else { return (0, nil) }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (field(24) * Double(sysconf(Int32(_SC_PAGESIZE))), bootTime().map { $0 + field(22) / ticks })
    }

    static func families() -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let field = statFields() {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            families.append(
                .single(
                    "process_cpu_seconds_total",
                    .counter,
                    help: "Total user and system CPU time spent in seconds.",
                    value: (field(14) + field(15)) / ticks
                )
            )
            families.append(
                .single(
                    "process_virtual_memory_bytes",
                    .gauge,
                    help: "Virtual memory size in bytes.",
                    value: field(23)
                )
            )
            families.append(
                .single(
                    "process_resident_memory_bytes",
                    .gauge,
                    help: "Resident memory size in bytes.",
                    value: field(24) * Double(sysconf(Int32(_SC_PAGESIZE)))
                )
            )
            if let bootTime = bootTime() {
                families.append(
                    .single(
                        "process_start_time_seconds",
                        .gauge,
                        help: "Start time of the process since the Unix epoch in seconds.",
                        value: bootTime + field(22) / ticks
                    )
                )
            }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            families.append(
                .single(
                    "process_open_fds",
                    .gauge,
                    help: "Number of open file descriptors.",
                    value: Double(entries.count)
                )
            )
        }
        var limit = rlimit()
        if getrlimit(noFileResource, &limit) == 0 {
            families.append(
                .single(
                    "process_max_fds",
                    .gauge,
                    help: "Maximum number of open file descriptors.",
                    value: Double(limit.rlim_cur)
                )
            )
        }
        return families
    }

    private static let noFileResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    /// `btime` of `/proc/stat`: when the system booted, in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
