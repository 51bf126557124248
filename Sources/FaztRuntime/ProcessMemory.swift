import Glibc

/// Resident memory of a process, read from `/proc/PID/statm` (second field, in pages).
///
/// Read on every watchdog pass for every busy worker and by workers after invocations, so it
/// avoids Foundation and strings.
enum ProcessMemory {
    /// Resident bytes of `pid` (this process when nil), or 0 when unknown.
    static func residentBytes(of pid: Int32? = nil) -> Int {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return 0 }
            var field = 0
            var pages = 0
            for byte in buffer[..<count] {
                if byte == UInt8(ascii: " ") {
                    field += 1
                    if field > 1 { break }
                } else if field == 1, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    pages = pages * 10 + Int(byte - UInt8(ascii: "0"))
                }
            }
            return pages * pageSize
        }
    }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Whether `pid` is a live child of this process (`/proc/PID/stat`: not a zombie, parent is us).
    ///
    /// A pid a reaped worker left behind may already belong to another process (`pid_max` can be
    /// 32768); its parent then is not this process.
    static func isOwnChild(_ pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buffer in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return false }
            // "pid (comm) state ppid …": the comm may hold spaces and parentheses, so start after
            // the last ')'.
            guard let close = buffer[..<count].lastIndex(of: UInt8(ascii: ")")) else { return false }
            let fields = buffer[(close + 1)..<count].split(separator: UInt8(ascii: " "), maxSplits: 3)
            guard fields.count >= 2, fields[0].first != UInt8(ascii: "Z") else { return false }
            var parent: Int32 = 0
            for byte in fields[1] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
                parent = parent * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return parent == getpid()
        }
    }
}
