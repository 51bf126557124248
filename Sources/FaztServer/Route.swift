/// Where a request goes, decided from its Host and path alone (ARCHITECTURE.md §4).
public enum Route: Equatable, Sendable {
    /// The owner page and anything else on the bare domain.
    case dashboard(path: String)
    /// The control API: the path below `/_fazt/api/v1`.
    case control(path: String)
    /// An app's static files (and later `/api`, `/_ws`).
    case app(name: String, path: String)
    /// A Host that names no domain of ours, or an app label that is not a valid name.
    case unknownHost

    /// Routes a request; `host` is the raw Host header, `domain` the configured domain.
    public static func resolve(host rawHost: String?, path: String, domain: String) -> Route {
        let host = normalizeHost(rawHost ?? "")
        let domain = domain.lowercased()
        if host == domain || host.isEmpty || isLiteralAddress(host) {
            let prefix = "/_fazt/api/v1"
            if path == prefix || path.hasPrefix(prefix + "/") {
                return .control(path: String(path.dropFirst(prefix.count)))
            }
            return .dashboard(path: path)
        }
        let suffix = "." + domain
        guard host.hasSuffix(suffix) else { return .unknownHost }
        let label = host.dropLast(suffix.count)
        guard !label.isEmpty, !label.contains(".") else { return .unknownHost }
        return .app(name: String(label), path: path)
    }

    /// Lower-cases and strips the port (`App.Localhost:8080` → `app.localhost`, `[::1]:80` → `::1`).
    static func normalizeHost(_ host: String) -> String {
        var value = Substring(host.lowercased())
        if value.hasPrefix("[") {
            if let close = value.firstIndex(of: "]") { value = value[value.index(after: value.startIndex)..<close] }
            return String(value)
        }
        if let colon = value.lastIndex(of: ":"), value.firstIndex(of: ":") == colon {
            value = value[..<colon]
        }
        if value.hasSuffix(".") { value = value.dropLast() }
        return String(value)
    }

    /// True for IPv4/IPv6 literals, which address the server itself (owner page).
    static func isLiteralAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in !part.isEmpty && part.allSatisfy(\.isNumber) }
    }
}
