import CCurl
import Foundation

/// What one probing request saw: the status, the `Date` header and the server certificate's
/// subject, issuer and expiry (HTTPS only), or why it failed.
public struct HTTPProbeResult: Sendable {
    public var status: Int
    /// The response's `Date` header, as sent.
    public var date: String?
    /// The leaf certificate's fields (`Subject`, `Issuer`, `Expire date`) as libcurl prints them.
    public var certificateSubject: String?
    public var certificateIssuer: String?
    public var certificateExpiry: String?
}

/// A one-off request that reports what the server showed of itself (`fazt doctor`): the certificate
/// it presented (verified against the system's roots or `caFile`) and its clock.
public enum HTTPProbe {
    public static func head(
        _ url: String,
        caFile: String? = nil,
        timeoutSeconds: Int = 10
    ) throws(HTTPClientError) -> HTTPProbeResult {
        do {
            return try perform(url, caFile: caFile, timeoutSeconds: timeoutSeconds)
        } catch let error as CurlError {
            throw HTTPClientError(message: "\(url): \(error.message)")
        } catch let error as HTTPClientError {
            throw error
        } catch {
            throw HTTPClientError(message: "\(url): \(error)")
        }
    }

    private final class Headers {
        var date: String?
    }

    private static func perform(_ url: String, caFile: String?, timeoutSeconds: Int) throws -> HTTPProbeResult {
        let easy = try CurlEasy()
        let headers = Headers()
        let unmanaged = Unmanaged.passRetained(headers)
        defer { unmanaged.release() }
        try HTTPClient.setRequest(easy, "GET", url, nil, timeoutSeconds)
        try easy.set(CURLOPT_NOBODY, 1)
        try easy.set(CURLOPT_CERTINFO, 1)
        if let caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        try easy.setCallback(CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
            if line.lowercased().hasPrefix("date:") {
                Unmanaged<Headers>.fromOpaque(context).takeUnretainedValue().date =
                    line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return size * count
        }
        try easy.set(CURLOPT_HEADERDATA, pointer: unmanaged.toOpaque())
        let result = curl_easy_perform(easy.handle)
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "\(url): \(String(cString: curl_easy_strerror(result)))")
        }
        var status = 0
        fazt_curl_get_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        func field(_ name: String) -> String? {
            var buffer = [CChar](repeating: 0, count: 1024)
            guard fazt_curl_cert_field(easy.handle, 0, name, &buffer, buffer.count) == 0 else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
        }
        return HTTPProbeResult(
            status: status,
            date: headers.date,
            certificateSubject: field("Subject"),
            certificateIssuer: field("Issuer"),
            certificateExpiry: field("Expire date")
        )
    }
}
