import FaztJSON

/// Reading the manifest's `realtime` object.
extension Manifest {
    /// Parses `"realtime": {"origins", "requireOrigin", "channels", "handler", "deflate"}`; throws
    /// `badManifest` naming the key (`realtime.channels.chat-*.history`) and what it must be.
    static func parseRealtime(_ object: JSONValue) throws(VFSError) -> RealtimeOptions {
        func wrong(_ path: String, _ expectation: String) -> VFSError {
            VFSError(.badManifest, "fazt.json: \"realtime\(path.isEmpty ? "" : ".")\(path)\" must be \(expectation)")
        }
        func value(_ key: String, in object: JSONValue) -> JSONValue? {
            guard let found = object[key], found != .null else { return nil }
            return found
        }
        guard case .object = object else { throw wrong("", "an object") }
        var options = RealtimeOptions()
        if let origins = value("origins", in: object) {
            let expectation = "a list of origins (\"https://example.com\", \"http://localhost:3000\") or [\"*\"]"
            var list: [String] = []
            switch origins {
            case .string(let single): list = [single]
            case .array(let items):
                for item in items {
                    guard case .string(let text) = item else { throw wrong("origins", expectation) }
                    list.append(text)
                }
            default: throw wrong("origins", expectation)
            }
            var normalized: [String] = []
            for origin in list {
                guard let checked = normalizedOrigin(origin) else {
                    throw VFSError(
                        .badManifest,
                        "fazt.json: \"realtime.origins\" entry \"\(origin)\" must be scheme://host[:port] (no path, "
                            + "like \"https://example.com\") or \"*\""
                    )
                }
                normalized.append(checked)
            }
            options.origins = normalized
        }
        for key in ["requireOrigin", "deflate"] {
            guard let given = value(key, in: object) else { continue }
            guard case .bool(let flag) = given else { throw wrong(key, "true or false") }
            if key == "deflate" { options.deflate = flag } else { options.requireOrigin = flag }
        }
        if let handler = value("handler", in: object) {
            guard case .string(let path) = handler, isHandlerPath(path) else {
                throw wrong("handler", "the app-relative path of a .js file, like \"api/_socket.js\"")
            }
            options.handler = path
        }
        if let channels = value("channels", in: object) {
            guard case .object(let members) = channels else {
                throw wrong(
                    "channels",
                    "an object of channel pattern → {publish, presence, history, historySeconds, auth}"
                )
            }
            for (name, member) in members {
                options.channels.append(try parseChannelRule(name, member))
            }
        }
        return options
    }

    private static func parseChannelRule(_ name: String, _ object: JSONValue) throws(VFSError) -> ChannelRule {
        guard let pattern = ChannelPattern(name) else {
            throw VFSError(
                .badManifest,
                "fazt.json: channel pattern \"\(name)\" in \"realtime.channels\" must be 1-255 printable ASCII "
                    + "characters without spaces ('*' matches any run of characters)"
            )
        }
        let path = "realtime.channels.\(name)"
        func wrong(_ key: String, _ expectation: String) -> VFSError {
            VFSError(.badManifest, "fazt.json: \"\(path)\(key.isEmpty ? "" : ".")\(key)\" must be \(expectation)")
        }
        guard case .object = object else {
            throw wrong("", "an object {publish, presence, history, historySeconds, auth}")
        }
        func value(_ key: String) -> JSONValue? {
            guard let found = object[key], found != .null else { return nil }
            return found
        }
        func flag(_ key: String) throws(VFSError) -> Bool? {
            guard let given = value(key) else { return nil }
            guard case .bool(let flag) = given else { throw wrong(key, "true or false") }
            return flag
        }
        func number(_ key: String, _ range: ClosedRange<Int>, _ unit: String) throws(VFSError) -> Int? {
            guard let given = value(key) else { return nil }
            guard case .number(let number) = given, number.rounded() == number, number >= Double(range.lowerBound),
                number <= Double(range.upperBound)
            else { throw wrong(key, "a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound)") }
            return Int(number)
        }
        var rule = ChannelRule(pattern: pattern)
        if let publish = try flag("publish") { rule.publish = publish }
        if let presence = try flag("presence") { rule.presence = presence }
        if let history = try number("history", 0...10_000, "messages") { rule.history = history }
        if let seconds = try number("historySeconds", 1...86_400, "seconds") { rule.historySeconds = seconds }
        if let auth = value("auth") {
            guard case .string(let text) = auth, let level = ChannelRule.Auth(rawValue: text) else {
                throw wrong("auth", "\"none\" or \"token\"")
            }
            rule.auth = level
        }
        return rule
    }

    /// `origin` as `scheme://host[:port]` in lower case, `*` as is, or nil when it is neither.
    static func normalizedOrigin(_ origin: String) -> String? {
        if origin == "*" { return origin }
        let lowered = origin.lowercased()
        guard let separator = lowered.firstRange(of: "://") else { return nil }
        let scheme = lowered[..<separator.lowerBound]
        let authority = lowered[separator.upperBound...]
        guard let first = scheme.utf8.first, isLetter(first),
            scheme.utf8.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        var host = Substring(authority)
        var port: Substring?
        if authority.hasPrefix("[") {
            // An IPv6 literal: `[::1]` or `[::1]:8080`.
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            guard host.dropFirst().dropLast().utf8.allSatisfy({ isHexDigit($0) || $0 == 0x3A || $0 == 0x2E }),
                host.count > 2
            else { return nil }
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                port = rest.dropFirst()
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            }
            guard !host.isEmpty, host.utf8.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 0x2D || $0 == 0x2E })
            else { return nil }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy(isDigit), let number = Int(port),
                number >= 1, number <= 65_535
            else { return nil }
        }
        return lowered
    }

    /// A relative path to a module (`.js`, `.mjs`, `.ts`, `.mts`) without `..`, `.` or empty segments.
    private static func isHandlerPath(_ path: String) -> Bool {
        guard ScriptFile.isModule(path), !path.hasPrefix("/"), path.utf8.count <= 1024,
            !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") })
        else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 0x61 && byte <= 0x66) }
}
