import CCurl
import Foundation

/// A response with its header fields, from `HTTPClient.exchange`.
public struct HTTPClientExchange: Sendable {
    public var status: Int
    /// Header fields in order (names as sent); the last response's only, when redirects were followed.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The server certificate's `Subject`, `Issuer` and `Expire date` as libcurl prints them (HTTPS,
    /// with `certificateInfo`).
    public var certificate: [String: String] = [:]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}

extension HTTPClient {
    /// Performs one request and returns the status, header fields and body (at most
    /// `maxResponseBytes`): for protocols whose state travels in headers (ACME's `Replay-Nonce`,
    /// `Location`, `Retry-After`).
    ///
    /// `caFile` names a PEM bundle of roots to trust instead of the system's (a private CA);
    /// `certificateInfo` also reads the leaf certificate's fields (`fazt doctor`).
    public static func exchange(
        method: String,
        url: String,
        headers: [String] = [],
        body: [UInt8]? = nil,
        caFile: String? = nil,
        certificateInfo: Bool = false,
        timeoutSeconds: Int = 60,
        maxResponseBytes: Int = 1 << 20
    ) throws -> HTTPClientExchange {
        let state = ExchangeState(limit: maxResponseBytes)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let result: CURLcode
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
            try setRequest(easy, method, url, list, timeoutSeconds)
            if method == "HEAD" { try easy.set(CURLOPT_NOBODY, 1) }
            if let caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            if certificateInfo { try easy.set(CURLOPT_CERTINFO, 1) }
            try easy.setCallback(CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context, let data else { return 0 }
                let state = Unmanaged<ExchangeState>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                guard state.body.count + length <= state.limit else {
                    state.overflowed = true
                    return 0
                }
                state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
                return length
            }
            try easy.set(CURLOPT_WRITEDATA, pointer: unmanaged.toOpaque())
            try easy.setCallback(CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context, let data else { return 0 }
                let state = Unmanaged<ExchangeState>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                state.header(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
                return length
            }
            try easy.set(CURLOPT_HEADERDATA, pointer: unmanaged.toOpaque())
            result = try (body ?? []).withUnsafeBytes { raw throws(CurlError) in
                if body != nil {
                    try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(raw.count))
                    try easy.set(
                        CURLOPT_POSTFIELDS,
                        pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                    )
                }
                return curl_easy_perform(easy.handle)
            }
        } catch let error as CurlError {
            throw HTTPClientError(message: "\(method) \(url) was not sent: \(error.message)")
        }
        if state.overflowed {
            throw HTTPClientError(message: "\(method) \(url) answered with more than \(maxResponseBytes) bytes")
        }
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "\(method) \(url) failed: \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        fazt_curl_get_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        var exchange = HTTPClientExchange(status: status, headers: state.headers, body: state.body)
        if certificateInfo {
            for name in ["Subject", "Issuer", "Expire date"] {
                var buffer = [CChar](repeating: 0, count: 1024)
                guard fazt_curl_cert_field(easy.handle, 0, name, &buffer, buffer.count) == 0 else { continue }
                exchange.certificate[name] = String(
                    decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                    as: UTF8.self
                ).trimmingCharacters(in: .whitespaces)
            }
        }
        return exchange
    }
}

/// What the libcurl callbacks of one `exchange` write into.
private final class ExchangeState {
    var body: [UInt8] = []
    var headers: [(String, String)] = []
    var overflowed = false
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// One header line; a status line (`HTTP/…`) starts a new response (after a redirect or 100).
    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = []
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines)
        headers.append((name, value))
    }
}
