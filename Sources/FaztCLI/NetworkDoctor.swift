import FaztNet
import Foundation
import Glibc

/// The checks seen from the network: the domain's DNS (and a made-up app name, which only a
/// wildcard record answers), the HTTP and HTTPS ports, the certificate served, and this machine's
/// clock against the ACME server's.
struct NetworkDoctor {
    var domain: String?
    var httpPort: Int
    var httpsPort: Int
    var acmeDirectory: String
    var caFile: String?
    /// A clock further off than this breaks certificates (their validity starts "now").
    static let skewWarningSeconds: Double = 30

    func checks() -> [DoctorCheck] {
        var found: [DoctorCheck] = []
        if let domain {
            let appName = "doctor-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).\(domain)"
            found.append(dns(domain, check: "dns"))
            found.append(dns(appName, check: "dns-apps"))
            found.append(port(domain, httpPort, check: "port-http"))
            found.append(port(domain, httpsPort, check: "port-https"))
            found.append(certificate(domain))
        } else {
            found.append(.skip("dns", "no domain (pass --domain, or install the service with --domain)"))
        }
        found.append(clock())
        return found
    }

    /// The addresses `name` resolves to (empty when it does not).
    static func resolve(_ name: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
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
            )
                == 0
            {
                let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    func dns(_ name: String, check: String) -> DoctorCheck {
        let addresses = Self.resolve(name)
        guard addresses.isEmpty else { return .ok(check, "\(name) → \(addresses.joined(separator: ", "))") }
        let record = check == "dns" ? domain ?? name : "*.\(domain ?? name)"
        return .fail(
            check,
            "\(name) does not resolve",
            fix: "add an A (and AAAA) record for \(record) pointing at this server"
                + (check == "dns" ? "" : ": every app is served at <app>.\(domain ?? name)")
        )
    }

    /// Whether a TCP connection to `host:port` opens within 5 s.
    static func connects(_ host: String, _ port: Int, timeoutMs: Int32 = 5_000) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let entry = list else { return false }
        defer { freeaddrinfo(list) }
        let descriptor = socket(entry.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if connect(descriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { return false }
            var poll = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            guard Glibc.poll(&poll, 1, timeoutMs) == 1 else { return false }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            return error == 0
        }
        return true
    }

    func port(_ host: String, _ port: Int, check: String) -> DoctorCheck {
        if Self.connects(host, port) { return .ok(check, "\(host):\(port) accepts connections") }
        return .fail(
            check,
            "\(host):\(port) does not accept connections",
            fix: port == httpPort
                ? "open port \(port)/tcp in the firewall (ufw allow \(port)/tcp) and at the hosting provider; ACME HTTP-01 checks arrive on it"
                : "start the server with --https (it listens on \(port)) and open \(port)/tcp in the firewall and at the hosting provider"
        )
    }

    func certificate(_ host: String) -> DoctorCheck {
        let url = "https://\(host):\(httpsPort)/_fazt/livez"
        let seen: HTTPClientExchange
        do {
            seen = try HTTPClient.exchange(
                method: "HEAD",
                url: url,
                caFile: caFile,
                certificateInfo: true,
                timeoutSeconds: 10
            )
        } catch {
            return .fail(
                "certificate",
                "no valid certificate for \(host): \(error)",
                fix:
                    "serve with 'fazt serve --https --domain \(host) --email YOU' (or --tls-cert/--tls-key); see 'fazt service logs' for ACME errors"
            )
        }
        let issuer = seen.certificate["Issuer"].map { ", issued by \($0)" } ?? ""
        guard let expiry = seen.certificate["Expire date"], let date = Self.certificateDate(expiry) else {
            return .ok("certificate", "\(host) presents a valid certificate\(issuer)")
        }
        let days = Int(date.timeIntervalSinceNow / 86_400)
        let detail = "valid for \(host) until \(expiry) (\(days) days)\(issuer)"
        guard days >= 14 else {
            return .warn("certificate", detail, fix: "renewal is overdue: see 'fazt service logs' for ACME errors")
        }
        return .ok("certificate", detail)
    }

    func clock() -> DoctorCheck {
        let seen: HTTPClientExchange
        do {
            seen = try HTTPClient.exchange(method: "HEAD", url: acmeDirectory, caFile: caFile, timeoutSeconds: 10)
        } catch {
            return .warn(
                "clock",
                "cannot reach the ACME server to compare clocks: \(error)",
                fix: "this server must reach \(acmeDirectory) over HTTPS to obtain certificates"
            )
        }
        guard let header = seen.header("Date"), let remote = Self.httpDate(header) else {
            return .skip("clock", "\(acmeDirectory) sent no Date header")
        }
        // The header has whole seconds: up to 1 s of the difference is rounding.
        let skew = Date().timeIntervalSince(remote)
        let detail = String(format: "%+.0f s against %@", skew, acmeDirectory)
        guard abs(skew) <= Self.skewWarningSeconds else {
            return .warn("clock", detail, fix: "synchronize the clock: 'timedatectl set-ntp true'")
        }
        return .ok("clock", detail)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// libcurl's "Expire date" (OpenSSL's `Mar  1 12:00:00 2027 GMT`, or `2027-03-01 12:00:00 GMT`).
    static func certificateDate(_ text: String) -> Date? {
        let collapsed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["MMM d HH:mm:ss yyyy zzz", "yyyy-MM-dd HH:mm:ss zzz"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: collapsed) { return date }
        }
        return nil
    }
}
