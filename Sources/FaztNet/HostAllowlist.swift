/// The hosts an app's `fetch` may reach, from the manifest's `egress` list.
///
/// A pattern is a lower-case host name (`api.github.com`), an IP literal (`203.0.113.7`, `[2001:db8::1]`
/// or `2001:db8::1`) or `*.` and a suffix: `*.slack.com` matches `a.slack.com` and `x.y.slack.com`,
/// not `slack.com` nor `evilslack.com`. No schemes, ports or paths. Private addresses stay refused
/// (unless the owner allowed them) even when listed: the socket check runs after DNS as before.
public struct HostAllowlist: Sendable, Equatable {
    /// The most entries a list may have.
    public static let maxEntries = 100
    public let patterns: [String]

    /// Builds a list from already validated patterns (see `problem(with:)`).
    public init(_ patterns: [String]) { self.patterns = patterns }

    /// Why `pattern` is not a valid entry, or nil when it is.
    public static func problem(with pattern: String) -> String? {
        if pattern.isEmpty { return "is empty" }
        if pattern.utf8.count > 253 { return "is longer than 253 characters" }
        if pattern.contains("://") { return "must be a host name without a scheme (drop \"http://\")" }
        if pattern.contains("/") { return "must be a host name without a path" }
        if pattern != pattern.lowercased() { return "must be lower-case" }
        var host = Substring(pattern)
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return "is not a valid IPv6 literal" }
            host = host.dropFirst().dropLast()
        }
        if host.contains(":") {
            // An IPv6 literal (a port would follow a name or an IPv4 address: one colon).
            let digits = host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            guard digits, host.filter({ $0 == ":" }).count >= 2 else {
                return "must be a host name without a port"
            }
            return nil
        }
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" {
            labels.removeFirst()
            guard !labels.isEmpty else { return "needs a suffix after \"*.\" (e.g. \"*.example.com\")" }
        }
        for label in labels {
            if label.isEmpty { return "has an empty label (two dots, or a dot at an end)" }
            if label.contains("*") { return "may use \"*.\" only as its first label" }
            if label.utf8.count > 63 { return "has a label longer than 63 characters" }
            let ok = label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
            if !ok { return "may hold only letters a-z, digits, '-', '_' and '.'" }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "has a label starting or ending with '-'" }
        }
        return nil
    }

    /// Whether `host` (as in a URL; any case, IPv6 with or without brackets, a trailing dot allowed) is listed.
    public func allows(_ host: String) -> Bool {
        let name = Self.normalized(host)
        guard !name.isEmpty else { return false }
        for pattern in patterns {
            let listed = Self.normalized(pattern)
            if listed.hasPrefix("*.") {
                if name.hasSuffix(listed.dropFirst()) && name.count > listed.count - 1 { return true }
            } else if name == listed {
                return true
            }
        }
        return false
    }

    /// Lower-case, without IPv6 brackets or a trailing dot.
    static func normalized(_ host: String) -> String {
        var text = Substring(host.lowercased())
        if text.hasPrefix("[") && text.hasSuffix("]") && text.count >= 2 { text = text.dropFirst().dropLast() }
        if text.hasSuffix(".") { text = text.dropLast() }
        return String(text)
    }

    /// The host of an http(s) URL (nil when it has none), for checking each request and redirect.
    public static func host(of url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        var rest = url[scheme.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }
}
