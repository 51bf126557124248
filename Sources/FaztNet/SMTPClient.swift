import CCurl
import Foundation

/// Sends one email over SMTP with libcurl (blocking): `smtp://` (STARTTLS when offered) or
/// `smtps://`.
public enum SMTPClient {
    /// Sends `message` (a full RFC 5322 message, CRLF line ends) from `from` to `to`.
    public static func send(
        url: String,
        from: String,
        to: [String],
        user: String? = nil,
        password: String? = nil,
        message: [UInt8],
        timeoutSeconds: Int = 30
    ) throws {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let handle = curl_easy_init() else { throw HTTPClientError(message: "cannot initialise libcurl") }
        defer { curl_easy_cleanup(handle) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        let state = UploadState(bytes: message)
        let unmanaged = Unmanaged.passRetained(state)
        defer { unmanaged.release() }
        fazt_curl_set_str(handle, CURLOPT_URL, url)
        fazt_curl_set_str(handle, CURLOPT_MAIL_FROM, "<\(from)>")
        fazt_curl_set_ptr(handle, CURLOPT_MAIL_RCPT, recipients)
        if let user { fazt_curl_set_str(handle, CURLOPT_USERNAME, user) }
        if let password { fazt_curl_set_str(handle, CURLOPT_PASSWORD, password) }
        if url.hasPrefix("smtp://") { fazt_curl_set_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)) }
        fazt_curl_set_long(handle, CURLOPT_UPLOAD, 1)
        fazt_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        fazt_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
        fazt_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
        fazt_curl_set_data_cb(handle, CURLOPT_READFUNCTION) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let state = Unmanaged<UploadState>.fromOpaque(context).takeUnretainedValue()
            let take = min(size * count, state.bytes.count - state.offset)
            state.bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base + state.offset, byteCount: take)
                }
            }
            state.offset += take
            return take
        }
        fazt_curl_set_ptr(handle, CURLOPT_READDATA, unmanaged.toOpaque())
        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            throw HTTPClientError(message: "SMTP to \(url) failed: \(String(cString: curl_easy_strerror(result)))")
        }
    }

    /// A plain-text message with the headers mail servers expect.
    public static func message(
        from: String,
        to: [String],
        subject: String,
        body: String,
        date: String,
        messageID: String
    ) -> [UInt8] {
        func header(_ text: String) -> String {
            text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
        let encodedSubject =
            subject.utf8.allSatisfy { $0 < 128 }
            ? header(subject) : "=?UTF-8?B?\(Data(header(subject).utf8).base64EncodedString())?="
        var lines = [
            "Date: \(date)", "From: <\(header(from))>", "To: \(to.map { "<\(header($0))>" }.joined(separator: ", "))",
            "Subject: \(encodedSubject)", "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
        ]
        // Dot-stuffing is done by libcurl; only line ends are normalised here.
        lines += body.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n",
            omittingEmptySubsequences: false
        ).map(String.init)
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}

/// What the read callback takes the message from.
private final class UploadState {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }
}
