/// Where a request goes, decided from its Host and path alone (ARCHITECTURE.md §4).
public enum Route: Equatable, Sendable {
    /// The owner page and anything else on the bare domain.
    case dashboard(path: String)
    /// The control API: the path below `/_fazt/api/v1`.
    case control(path: String)
    /// Git smart HTTP for one app: `/_fazt/git/<app>.git<path>` (`path` is `/info/refs`, `/git-upload-pack`, …).
    case git(app: String, path: String)
    /// An app's static files (and later `/api`, `/_ws`).
    case app(name: String, path: String)
    /// A Host that names no domain of ours, or an app label that is not a valid name.
    case unknownHost

    /// Routes a request; `host` is the raw Host header, `domain` the configured (lower-case) domain.
    public static func resolve(host rawHost: String?, path: String, domain: String) -> Route {
        let host = normalizeHost(rawHost ?? "")
        if host == domain || host.isEmpty || isLiteralAddress(host) {
            let prefix = "/_fazt/api/v1"
            if path.hasPrefix(prefix)
                && (path.utf8.count == prefix.utf8.count || path.utf8.dropFirst(prefix.utf8.count).first == slash)
            {
                return .control(path: String(path.dropFirst(prefix.count)))
            }
            if let git = gitRoute(path) { return git }
            return .dashboard(path: path)
        }
        let hostBytes = host.utf8
        let domainBytes = domain.utf8
        guard hostBytes.count > domainBytes.count + 1, host.hasSuffix(domain) else { return .unknownHost }
        let labelEnd = hostBytes.index(hostBytes.endIndex, offsetBy: -(domainBytes.count + 1))
        guard hostBytes[labelEnd] == dot else { return .unknownHost }
        let label = hostBytes[hostBytes.startIndex..<labelEnd]
        guard !label.contains(dot) else { return .unknownHost }
        return .app(name: String(decoding: label, as: UTF8.self), path: path)
    }

    /// The route under `fazt dev`: every host serves `app`, except the control API, git and other
    /// `/_fazt/*` paths of the bare domain (so `fazt --server` commands and the health checks still work).
    public func serving(_ app: String, path: String) -> Route {
        switch self {
        // The owner sign-in form of an owner-only app posts here: it is the app's, the dashboard is not served.
        case .dashboard(OwnerLoginPage.sessionPath): .app(name: app, path: path)
        case .dashboard(let own) where own.hasPrefix("/_fazt/"): self
        case .control, .git: self
        case .dashboard, .app, .unknownHost: .app(name: app, path: path)
        }
    }

    /// `/_fazt/git/<app>.git/<rest>` → `.git(app, "/<rest>")`; nil for any other path.
    static func gitRoute(_ path: String) -> Route? {
        let prefix = "/_fazt/git/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let range = rest.range(of: ".git") else { return nil }
        let tail = rest[range.upperBound...]
        guard tail.isEmpty || tail.hasPrefix("/") else { return nil }
        return .git(app: String(rest[..<range.lowerBound]), path: tail.isEmpty ? "/" : String(tail))
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")
    private static let colon = UInt8(ascii: ":")

    /// Lower-cases and strips the port (`App.Localhost:8080` → `app.localhost`, `[::1]:80` → `::1`).
    static func normalizeHost(_ host: String) -> String {
        var value = host
        if value.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) { value = value.lowercased() }
        let bytes = value.utf8
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return value }
            return String(decoding: bytes[bytes.index(after: bytes.startIndex)..<close], as: UTF8.self)
        }
        var end = bytes.endIndex
        if let last = bytes.lastIndex(of: colon), bytes.firstIndex(of: colon) == last { end = last }
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == dot { end = bytes.index(before: end) }
        return end == bytes.endIndex ? value : String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// True for IPv4/IPv6 literals, which address the server itself (owner page).
    static func isLiteralAddress(_ host: String) -> Bool {
        let bytes = host.utf8
        if bytes.contains(colon) { return true }
        var dots = 0
        var digits = 0
        for byte in bytes {
            if byte == dot {
                guard digits > 0 else { return false }
                dots += 1
                digits = 0
            } else if byte >= 48 && byte <= 57 {
                digits += 1
            } else {
                return false
            }
        }
        return dots == 3 && digits > 0
    }
}
