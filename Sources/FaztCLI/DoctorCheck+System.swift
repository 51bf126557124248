import FaztNet
import Foundation
import Glibc

extension DoctorCheck {
    /// Free space on the file system holding `path`.
    static func disk(beside path: String) -> DoctorCheck {
        var info = statvfs()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard statvfs(folder, &info) == 0 else {
            return DoctorCheck(status: .warn, name: "disk", detail: "cannot stat \(folder)", fix: nil)
        }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let total = Int64(info.f_blocks) * Int64(info.f_frsize)
        let detail = "\(free >> 20) MB free of \(total >> 20) MB beside \(URL(fileURLWithPath: path).lastPathComponent)"
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        if free < max(size, 256 << 20) {
            return DoctorCheck(
                status: .fail,
                name: "disk",
                detail: detail,
                fix: "free space: backups and VACUUM need as much free space as data.db"
            )
        }
        return free < total / 10
            ? DoctorCheck(status: .warn, name: "disk", detail: detail, fix: "less than 10% free; make room")
            : DoctorCheck(status: .ok, name: "disk", detail: detail, fix: nil)
    }

    /// Whether `name` resolves (for a test app name under the domain: whether the wildcard record exists).
    static func dns(_ name: String, wildcard: Bool = false) -> DoctorCheck {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(name, nil, &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        guard code == 0 else {
            return DoctorCheck(
                status: .fail,
                name: "dns \(name)",
                detail: "does not resolve (\(String(cString: gai_strerror(code))))",
                fix: wildcard
                    ? "add a wildcard record *.\(name.split(separator: ".", maxSplits: 1).last ?? "") pointing here (apps are <app>.<domain>)"
                    : "add an A/AAAA record for \(name) pointing at this server"
            )
        }
        var addresses: [String] = []
        var cursor = result
        while let entry = cursor {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                entry.pointee.ai_addr,
                entry.pointee.ai_addrlen,
                &host,
                socklen_t(host.count),
                nil,
                0,
                NI_NUMERICHOST
            ) == 0 {
                let text = String(cString: host)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return DoctorCheck(status: .ok, name: "dns \(name)", detail: addresses.joined(separator: ", "), fix: nil)
    }

    /// Whether `host:port` accepts a TCP connection from here (within 3 s).
    static func port(_ host: String, _ port: Int) -> DoctorCheck {
        Self.connects(host: host, port: port)
            ? DoctorCheck(status: .ok, name: "port \(port)", detail: "\(host):\(port) accepts connections", fix: nil)
            : DoctorCheck(
                status: .fail,
                name: "port \(port)",
                detail: "\(host):\(port) does not accept connections from here",
                fix: "open port \(port) in the firewall; the CA must reach 80 (HTTP-01) and browsers 443"
            )
    }

    private static func connects(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(result) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return connect(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
    }

    /// The clock's skew against the `Date` header of `url` (ACME requests fail beyond a few minutes).
    static func clock(url: String, caFile: String?) -> DoctorCheck {
        let started = Date()
        guard let answer = try? HTTPClient.exchange(method: "GET", url: url, caFile: caFile, timeoutSeconds: 10),
            let header = answer.header("Date")
        else {
            return DoctorCheck(
                status: .warn,
                name: "clock",
                detail: "cannot read the Date of \(url)",
                fix: "check outbound HTTPS from this machine"
            )
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let remote = formatter.date(from: header) else {
            return DoctorCheck(status: .warn, name: "clock", detail: "unreadable Date '\(header)'", fix: nil)
        }
        let local = started.addingTimeInterval(Date().timeIntervalSince(started) / 2)
        let skew = local.timeIntervalSince(remote)
        let detail = String(format: "%+.0f s against %@", skew, url)
        return abs(skew) > 60
            ? DoctorCheck(
                status: .fail,
                name: "clock",
                detail: detail,
                fix: "enable time sync: timedatectl set-ntp true"
            )
            : DoctorCheck(status: .ok, name: "clock", detail: detail, fix: nil)
    }

    /// `systemctl is-active fazt` when systemd runs.
    static func systemd() -> DoctorCheck {
        guard FileManager.default.fileExists(atPath: "/run/systemd/system"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/systemctl")
        else {
            return DoctorCheck(status: .ok, name: "systemd", detail: "not running under systemd; skipped", fix: nil)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemctl")
        process.arguments = ["is-active", "fazt"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else {
            return DoctorCheck(status: .warn, name: "systemd", detail: "cannot run systemctl", fix: nil)
        }
        let state = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return state == "active"
            ? DoctorCheck(status: .ok, name: "systemd", detail: "fazt.service is active", fix: nil)
            : DoctorCheck(
                status: .warn,
                name: "systemd",
                detail: "fazt.service is \(state.isEmpty ? "unknown" : state)",
                fix: "fazt service install, or fazt service status to see why it stopped"
            )
    }
}
