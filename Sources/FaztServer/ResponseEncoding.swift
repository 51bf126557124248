import NIOCore
import NIOHTTP1

/// Serializes a whole response (status line, headers, small bodies) into one buffer, so a typical
/// static hit is a single write system call with no per-part pipeline traversal.
enum ResponseEncoding {
    /// Bodies up to this size are copied into the header buffer; larger ones are written after it.
    static let inlineBodyLimit = 16 * 1024

    static func encode(
        status: HTTPResponseStatus,
        version: HTTPVersion,
        headers: HTTPHeaders,
        body: ByteBuffer?,
        allocator: ByteBufferAllocator
    ) -> (head: ByteBuffer, separateBody: ByteBuffer?) {
        let inline = body.map { $0.readableBytes <= inlineBodyLimit } ?? true
        var buffer = allocator.buffer(capacity: 256 + (inline ? body?.readableBytes ?? 0 : 0))
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in headers {
            // Values come from our own code today and from app code later: never let one split the head.
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 }),
                !name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 })
            else { continue }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        guard var body else { return (buffer, nil) }
        if inline {
            buffer.writeBuffer(&body)
            return (buffer, nil)
        }
        return (buffer, body)
    }

    /// `HTTP/1.1 100 Continue`, sent before reading a body the client is holding back.
    static let continueResponse = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")
}
