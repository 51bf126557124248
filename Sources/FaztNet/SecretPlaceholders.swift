import Foundation

/// `{{secret:NAME}}` placeholders in an outbound request, filled in by the daemon after the request
/// left the worker.
///
/// They may stand in header values, the query and the body. In the URL the braces and colon may
/// also be percent-encoded (`%7B%7Bsecret%3ANAME%7D%7D`, as `URLSearchParams` writes them). A
/// value is percent-encoded in the query and inserted as is in headers and the body.
public enum SecretPlaceholders {
    private static let openers: [[UInt8]] = [Array("{{".utf8), Array("%7b%7b".utf8)]
    private static let closers: [[UInt8]] = [Array("}}".utf8), Array("%7d%7d".utf8)]
    private static let colons: [[UInt8]] = [Array(":".utf8), Array("%3a".utf8)]
    private static let keyword = Array("secret".utf8)

    /// One placeholder: where it stands in its text and the secret it names.
    struct Match {
        var range: Range<Int>
        var name: String
    }

    /// Whether `bytes` may hold a placeholder (a quick test before the exact scan).
    public static func mayContain(_ bytes: some Collection<UInt8>) -> Bool {
        if let found = bytes.withContiguousStorageIfAvailable({ contains(UnsafeRawBufferPointer($0)) }) {
            return found
        }
        return Array(bytes).withUnsafeBytes { contains($0) }
    }

    private static let markers = ["secret:", "secret%3A", "secret%3a"].map { Array($0.utf8) }

    private static func contains(_ bytes: UnsafeRawBufferPointer) -> Bool {
        markers.contains { marker in
            marker.withUnsafeBytes { ByteSearch.find($0, in: bytes, from: 0) != nil }
        }
    }

    /// The secret names that `bytes` refers to, in order of appearance.
    public static func names(in bytes: [UInt8]) -> [String] {
        matches(in: bytes).map(\.name)
    }

    /// Where the placeholders in `bytes` stand.
    static func matches(in bytes: [UInt8]) -> [Match] {
        var found: [Match] = []
        var index = 0
        while index < bytes.count {
            if let match = match(in: bytes, at: index) {
                found.append(match)
                index = match.range.upperBound
            } else {
                index += 1
            }
        }
        return found
    }

    private static func match(in bytes: [UInt8], at start: Int) -> Match? {
        guard bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "%") else { return nil }
        guard var index = skip(openers, in: bytes, at: start), let afterWord = skip([keyword], in: bytes, at: index),
            let afterColon = skip(colons, in: bytes, at: afterWord)
        else { return nil }
        index = afterColon
        let nameStart = index
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart, index - nameStart <= 64, let end = skip(closers, in: bytes, at: index) else {
            return nil
        }
        return Match(range: start..<end, name: String(decoding: bytes[nameStart..<index], as: UTF8.self))
    }

    /// The index after whichever of `candidates` stands at `index` (ASCII case-insensitive), or nil.
    private static func skip(_ candidates: [[UInt8]], in bytes: [UInt8], at index: Int) -> Int? {
        for candidate in candidates where index + candidate.count <= bytes.count {
            var equal = true
            for offset in 0..<candidate.count where lower(bytes[index + offset]) != candidate[offset] {
                equal = false
                break
            }
            if equal { return index + candidate.count }
        }
        return nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 95
    }

    /// `bytes` with every placeholder replaced by `value(name)` (already encoded for where it stands).
    public static func substitute(_ bytes: [UInt8], _ value: (String) -> [UInt8]) -> [UInt8] {
        let found = matches(in: bytes)
        guard !found.isEmpty else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var position = 0
        for match in found {
            out.append(contentsOf: bytes[position..<match.range.lowerBound])
            out.append(contentsOf: value(match.name))
            position = match.range.upperBound
        }
        out.append(contentsOf: bytes[position...])
        return out
    }

    /// `url` with placeholders in its query filled in (percent-encoded); placeholders elsewhere in
    /// the URL are refused.
    public static func substitute(url: String, _ value: (String) -> [UInt8]) throws(EgressError) -> String {
        let bytes = Array(url.utf8)
        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        let fragment = bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
        for match in matches(in: bytes) where match.range.lowerBound < queryStart || match.range.upperBound > fragment {
            throw EgressError(
                message:
                    "fetch: {{secret:\(match.name)}} may stand in header values, the query or the body, not in the host or path",
                code: "NET_AUTH"
            )
        }
        let filled = substitute(bytes) { percentEncoded(value($0)) }
        return String(decoding: filled, as: UTF8.self)
    }

    /// Whether `bytes` holds a NUL, CR or LF (which no header value may).
    public static func breaksLine(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 == 0 || $0 == 10 || $0 == 13 }
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters.
    static func percentEncoded(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            let unreserved =
                (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                || byte == 45 || byte == 46 || byte == 95 || byte == 126
            if unreserved {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return out
    }
}
