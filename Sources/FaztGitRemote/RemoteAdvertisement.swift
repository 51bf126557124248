import FaztGit

/// What `GET info/refs?service=…` told us: the remote's refs and capabilities (protocol v0).
struct RemoteAdvertisement {
    /// Ref name → id (peeled `^{}` entries left out).
    var refs: [String: GitObjectID] = [:]
    var capabilities: Set<String> = []
    /// Where `HEAD` points (`symref=HEAD:refs/heads/main`), when the remote says.
    var head: String?

    /// Parses a smart HTTP advertisement of `service`; throws when it is anything else.
    static func parse(_ body: [UInt8], service: String) throws -> RemoteAdvertisement {
        var reader = PktLineReader(body)
        guard body.count >= 5, body[4] == UInt8(ascii: "#"), case .data(let first)? = try reader.next(),
            String(decoding: first, as: UTF8.self).trimmingTrailingSpace == "# service=\(service)"
        else {
            throw GitRemoteError.protocolError(
                "the remote is not a smart git HTTP server (dumb HTTP and other protocols are not supported)"
            )
        }
        var advertisement = RemoteAdvertisement()
        // git http-backend sends a flush after the service line; some servers do not.
        var pending = try reader.next()
        if pending == .flush { pending = try reader.next() }
        var firstLine = true
        while let packet = pending, case .data(let payload) = packet {
            var line = payload
            if line.last == UInt8(ascii: "\n") { line.removeLast() }
            if firstLine, let nul = line.firstIndex(of: 0) {
                let words = String(decoding: line[(nul + 1)...], as: UTF8.self).split(separator: " ").map(String.init)
                advertisement.capabilities = Set(words)
                for word in words where word.hasPrefix("symref=HEAD:") {
                    advertisement.head = String(word.dropFirst("symref=HEAD:".count))
                }
                line = Array(line[..<nul])
            }
            firstLine = false
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("ERR ") { throw GitRemoteError.remote("the remote refused: \(text.dropFirst(4))") }
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = GitObjectID(hex: parts[0]) else {
                throw GitRemoteError.protocolError("malformed ref line '\(text.prefix(120))'")
            }
            if parts[1] != "capabilities^{}", !parts[1].hasSuffix("^{}") { advertisement.refs[parts[1]] = id }
            pending = try reader.next()
        }
        return advertisement
    }
}
