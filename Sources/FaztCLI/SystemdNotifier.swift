import Foundation
import Glibc
import Synchronization

/// Tells systemd how `fazt serve` is doing (`sd_notify`, without libsystemd).
///
/// Datagrams to `$NOTIFY_SOCKET` (`READY=1`, `WATCHDOG=1`, `STOPPING=1`) for a `Type=notify`
/// unit. Does nothing when systemd did not start the process.
final class SystemdNotifier: @unchecked Sendable {
    // Safe: immutable after init; the watchdog timer only sends.
    private let path: String?
    private var watchdog: DispatchSourceTimer?
    private let stopped = Atomic<Bool>(false)

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.path = path
        // WATCHDOG_USEC: ping at half the interval (only when it is meant for this process).
        guard path != nil, let usec = environment["WATCHDOG_USEC"].flatMap(Int.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        let interval = DispatchTimeInterval.microseconds(max(usec / 2, 1000))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.send("WATCHDOG=1") }
        watchdog = timer
    }

    /// The server listens: `READY=1` (and the watchdog starts).
    func ready(status: String) {
        send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())")
        watchdog?.resume()
    }

    /// Shutdown began (sent once).
    func stopping() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        watchdog?.cancel()
        send("STOPPING=1")
    }

    /// Sends one datagram; failures are ignored (systemd may have gone).
    func send(_ message: String) {
        guard let path else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        // An abstract socket ("@name") starts with a NUL byte.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, payload, payload.count, Int32(MSG_NOSIGNAL), $0, length)
            }
        }
    }
}
