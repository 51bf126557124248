import NIOCore
import NIOHTTP1

/// Serializes a whole response (status line, headers, small bodies) into one buffer, so a typical
/// static hit is a single write system call with no per-part pipeline traversal.
enum ResponseEncoding {
    /// Bodies up to this size are copied into the header buffer; larger ones are written after it.
    static let inlineBodyLimit = 16 * 1024

    /// What `HTTPHandler` adds to every response.
    struct Framing {
        var version: HTTPVersion
        var date: String
        /// `close`, `keep-alive` (HTTP/1.0) or nil.
        var connection: String?
        /// Send the body (false for HEAD).
        var includeBody: Bool
        /// Add `Strict-Transport-Security` (the HTTPS listener's responses) unless the response
        /// sets its own.
        var strictTransportSecurity = false
    }

    static func encode(
        _ response: Response,
        framing: Framing,
        allocator: ByteBufferAllocator
    ) -> (
        head: ByteBuffer, separateBody: ByteBuffer?
    ) {
        let body = framing.includeBody ? response.body : nil
        let inline = body.map { $0.readableBytes <= inlineBodyLimit } ?? true
        let preformatted = response.preformatted?.readableBytes ?? 0
        var buffer = allocator.buffer(capacity: 160 + preformatted + (inline ? body?.readableBytes ?? 0 : 0))
        writeStatusLine(response.status, version: framing.version, into: &buffer)
        if var lines = response.preformatted { buffer.writeBuffer(&lines) }
        for (name, value) in response.headers where isSafe(name, value) {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        if !response.omitsLength && !response.headers.contains(name: "Content-Length") {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(response.body?.readableBytes ?? response.declaredLength ?? 0))
            buffer.writeStaticString("\r\n")
        }
        // A year, this host only (apps are other hosts).
        if framing.strictTransportSecurity && !response.headers.contains(name: "Strict-Transport-Security") {
            buffer.writeStaticString("Strict-Transport-Security: max-age=31536000\r\n")
        }
        buffer.writeStaticString("Date: ")
        buffer.writeString(framing.date)
        if let connection = framing.connection {
            buffer.writeStaticString("\r\nConnection: ")
            buffer.writeString(connection)
        }
        buffer.writeStaticString("\r\n\r\n")
        guard var body else { return (buffer, nil) }
        if inline {
            buffer.writeBuffer(&body)
            return (buffer, nil)
        }
        return (buffer, body)
    }

    /// Values come from our own code today and from app code later: never let one split the head.
    private static func isSafe(_ name: String, _ value: String) -> Bool {
        !value.utf8.contains(where: { $0 == 13 || $0 == 10 })
            && !name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 })
    }

    private static func writeStatusLine(
        _ status: HTTPResponseStatus,
        version: HTTPVersion,
        into buffer: inout ByteBuffer
    ) {
        if version.minor != 0 {
            switch status {
            case .ok: return buffer.writeStaticString("HTTP/1.1 200 OK\r\n").discard()
            case .notModified: return buffer.writeStaticString("HTTP/1.1 304 Not Modified\r\n").discard()
            case .partialContent: return buffer.writeStaticString("HTTP/1.1 206 Partial Content\r\n").discard()
            case .notFound: return buffer.writeStaticString("HTTP/1.1 404 Not Found\r\n").discard()
            default: break
            }
        }
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    /// `HTTP/1.1 100 Continue`, sent before reading a body the client is holding back.
    static let continueResponse = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")
}

extension Int {
    /// Drops a byte count returned by a `ByteBuffer` write.
    fileprivate func discard() {}
}
