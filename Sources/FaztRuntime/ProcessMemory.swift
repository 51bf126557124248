import Glibc

/// Memory of a process, read from `/proc/PID/statm` (in pages: size, resident, shared, …).
///
/// Read on every watchdog pass for every busy worker and by workers after invocations, so it
/// avoids Foundation and strings.
enum ProcessMemory {
    /// Resident bytes of `pid` (this process when nil), or 0 when unknown.
    static func residentBytes(of pid: Int32? = nil) -> Int {
        pages(of: pid).map { $0.resident * pageSize } ?? 0
    }

    /// Resident bytes that belong to `pid` alone (this process when nil), or 0 when unknown.
    ///
    /// Its heap, stacks and JIT code, without the pages of mapped files: the executable's code is
    /// shared with the daemon and every other worker, the kernel may drop and reread it at any
    /// time, and how much of it shows up in one process depends on what others touched before
    /// (fault-around). Memory caps are held against this: with a debug build's 100 MB binary a
    /// worker's RSS is ~50 MB of file pages before it runs any JavaScript.
    static func ownResidentBytes(of pid: Int32? = nil) -> Int {
        pages(of: pid).map { max(0, $0.resident - $0.shared) * pageSize } ?? 0
    }

    /// The second and third fields of `/proc/PID/statm`: resident and shared (file-backed or
    /// shared-memory resident) pages.
    private static func pages(of pid: Int32?) -> (resident: Int, shared: Int)? {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            var resident = 0
            var shared = 0
            var field = 0
            for byte in buffer[..<count] {
                if byte == UInt8(ascii: " ") {
                    field += 1
                    if field > 2 { break }
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    let digit = Int(byte - UInt8(ascii: "0"))
                    if field == 1 { resident = resident * 10 + digit }
                    if field == 2 { shared = shared * 10 + digit }
                }
            }
            return field >= 2 ? (resident, shared) : nil
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
