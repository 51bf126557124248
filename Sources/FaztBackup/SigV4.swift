import Foundation

/// AWS Signature Version 4 for S3-compatible stores (the `Authorization` header).
///
/// Signs the method, the path, the query, the `host`, `x-amz-content-sha256` and `x-amz-date`
/// headers (plus any given), and the payload's SHA-256.
struct SigV4 {
    var accessKey: String
    var secretKey: String
    var region: String
    var service = "s3"

    /// The headers to send (besides Host, which libcurl derives from the URL): `x-amz-date`,
    /// `x-amz-content-sha256`, `Authorization`, and `extra`.
    func sign(
        method: String,
        host: String,
        path: String,
        query: [(String, String)],
        payloadSHA256: String,
        date: Date,
        extra: [(String, String)] = []
    ) -> [(String, String)] {
        let (amzDate, day) = Self.stamps(date)
        var headers = [("host", host), ("x-amz-content-sha256", payloadSHA256), ("x-amz-date", amzDate)]
        headers += extra.map { ($0.0.lowercased(), $0.1.trimmingCharacters(in: .whitespaces)) }
        headers.sort { $0.0 < $1.0 }
        let signedHeaders = headers.map(\.0).joined(separator: ";")
        let canonical = [
            method,
            Self.encode(path, keepSlash: true),
            Self.canonicalQuery(query),
            headers.map { "\($0.0):\($0.1)\n" }.joined(),
            signedHeaders,
            payloadSHA256,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, SHA256Hasher.digest(Array(canonical.utf8)).hex,
        ].joined(separator: "\n")
        var key = SHA256Hasher.hmac(key: Array("AWS4\(secretKey)".utf8), message: Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = SHA256Hasher.hmac(key: key, message: Array(part.utf8)) }
        let signature = SHA256Hasher.hmac(key: key, message: Array(toSign.utf8)).hex
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return headers.filter { $0.0 != "host" } + [("Authorization", authorization)]
    }

    /// `x-amz-date` (`20130524T000000Z`) and the scope's day (`20130524`).
    static func stamps(_ date: Date) -> (String, String) {
        let time = UTCTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
        return (time.basic, time.date)
    }

    /// The query as SigV4 wants it: pairs sorted by name, names and values percent-encoded.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        var pairs: [(name: String, value: String)] = []
        for (name, value) in query { pairs.append((encode(name, keepSlash: false), encode(value, keepSlash: false))) }
        pairs.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        return pairs.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    )

    /// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when asked).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            if Self.unreserved.contains(byte) || (keepSlash && byte == 0x2F) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
