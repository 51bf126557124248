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
}
