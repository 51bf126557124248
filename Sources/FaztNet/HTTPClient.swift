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
/// (The daemon's egress client, with its multi handle on its own thread, arrives with `fetch`.)
public enum HTTPClient {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Performs one request; `progress` is called with (bytes sent, bytes to send) during uploads.
    public static func perform(
        method: String,
        url: String,
        headers: [String] = [],
        body: [UInt8]? = nil,
        timeoutSeconds: Int = 600,
        progress: ((Int64, Int64) -> Void)? = nil
    ) throws -> HTTPClientResponse {
        _ = globalInit
        guard let handle = curl_easy_init() else { throw HTTPClientError(message: "cannot initialise libcurl") }
        defer { curl_easy_cleanup(handle) }
        let state = TransferState(progress: progress)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }

        fazt_curl_set_str(handle, CURLOPT_URL, url)
        fazt_curl_set_str(handle, CURLOPT_CUSTOMREQUEST, method)
        fazt_curl_set_ptr(handle, CURLOPT_HTTPHEADER, list)
        fazt_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        fazt_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
        fazt_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
        fazt_curl_set_data_cb(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context, let data else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            state.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
            return length
        }
        fazt_curl_set_ptr(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        if progress != nil {
            fazt_curl_set_long(handle, CURLOPT_NOPROGRESS, 0)
            fazt_curl_set_progress_cb(handle) { context, _, _, uploadTotal, uploaded in
                guard let context else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
                state.progress?(Int64(uploaded), Int64(uploadTotal))
                return 0
            }
            fazt_curl_set_ptr(handle, CURLOPT_XFERINFODATA, unmanaged.toOpaque())
        }
        let result: CURLcode = (body ?? []).withUnsafeBytes { raw in
            if body != nil {
                fazt_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
                fazt_curl_set_ptr(
                    handle,
                    CURLOPT_POSTFIELDS,
                    UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                )
            }
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "\(method) \(url) failed: \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        fazt_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, body: state.body)
    }
}

/// What the libcurl callbacks write into during one transfer.
private final class TransferState {
    var body: [UInt8] = []
    let progress: ((Int64, Int64) -> Void)?

    init(progress: ((Int64, Int64) -> Void)?) { self.progress = progress }
}
