import CCurl
import Foundation

/// A response from `HTTPClient`.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// An error from the HTTP client, with libcurl's own message.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// A small blocking HTTP client over libcurl's easy interface, for the command-line tools.
///
/// (The daemon's egress client, with its multi handle on its own thread, is `EgressLoop`.)
public enum HTTPClient {
    /// Performs one request; `progress` is called with (bytes sent, bytes to send) during uploads.
    ///
    /// A response body longer than `maxResponseBytes` ends the transfer with an error.
    public static func perform(
        method: String,
        url: String,
        headers: [String] = [],
        body: [UInt8]? = nil,
        timeoutSeconds: Int = 600,
        maxResponseBytes: Int = Int.max,
        progress: ((Int64, Int64) -> Void)? = nil
    ) throws -> HTTPClientResponse {
        do {
            return try transfer(method, url, headers, body, timeoutSeconds, maxResponseBytes, progress)
        } catch let error as CurlError {
            throw HTTPClientError(message: "\(method) \(url) was not sent: \(error.message)")
        }
    }

    /// The options every blocking transfer sets: URL, method, headers, no signals, timeouts.
    static func setRequest(
        _ easy: CurlEasy,
        _ method: String,
        _ url: String,
        _ list: UnsafeMutablePointer<curl_slist>?,
        _ timeoutSeconds: Int
    ) throws(CurlError) {
        try easy.set(CURLOPT_URL, url)
        try easy.set(CURLOPT_CUSTOMREQUEST, method)
        try easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(list))
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_TIMEOUT, timeoutSeconds)
        try easy.set(CURLOPT_CONNECTTIMEOUT, 10)
    }

    private static func transfer(
        _ method: String,
        _ url: String,
        _ headers: [String],
        _ body: [UInt8]?,
        _ timeoutSeconds: Int,
        _ maxResponseBytes: Int,
        _ progress: ((Int64, Int64) -> Void)?
    ) throws -> HTTPClientResponse {
        let easy = try CurlEasy()
        let state = TransferState(progress: progress, limit: maxResponseBytes)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        try setRequest(easy, method, url, list, timeoutSeconds)
        try easy.setCallback(CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            guard state.body.count + length <= state.limit else {
                state.overflowed = true
                return 0  // libcurl ends the transfer (CURLE_WRITE_ERROR)
            }
            state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            return length
        }
        try easy.set(CURLOPT_WRITEDATA, pointer: unmanaged.toOpaque())
        if progress != nil {
            try easy.set(CURLOPT_NOPROGRESS, 0)
            try easy.setProgress { context, _, _, uploadTotal, uploaded in
                guard let context else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
                state.progress?(Int64(uploaded), Int64(uploadTotal))
                return 0
            }
            try easy.set(CURLOPT_XFERINFODATA, pointer: unmanaged.toOpaque())
        }
        let result: CURLcode = try (body ?? []).withUnsafeBytes { raw in
            if body != nil {
                try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(raw.count))
                try easy.set(
                    CURLOPT_POSTFIELDS,
                    pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                )
            }
            return curl_easy_perform(easy.handle)
        }
        if state.overflowed {
            throw HTTPClientError(message: "\(method) \(url) answered with more than \(maxResponseBytes) bytes")
        }
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "\(method) \(url) failed: \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        fazt_curl_get_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, body: state.body)
    }
}

/// What the libcurl callbacks write into during one transfer.
private final class TransferState {
    var body: [UInt8] = []
    var overflowed = false
    let limit: Int
    let progress: ((Int64, Int64) -> Void)?

    init(progress: ((Int64, Int64) -> Void)?, limit: Int) {
        self.progress = progress
        self.limit = limit
    }
}
