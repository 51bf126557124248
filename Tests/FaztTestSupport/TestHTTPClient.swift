import Foundation
import Glibc

/// A parsed HTTP response, as the tests see it.
public struct TestResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; repeated headers joined with ", ".
    public var headers: [String: String]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body decoded as a JSON object.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}

/// A blocking HTTP/1.1 connection over a raw loopback socket, so tests control every byte sent.
public final class TestConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, timeoutSeconds: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = connectLoopback(fd, port: port)
        guard result == 0 else {
            let error = errno
            // deinit still runs for this instance: close once, there. Closing here as well would
            // close whatever descriptor another thread opened in between (seen as SQLite I/O errors
            // and EBADF crashes in concurrent tests).
            throw TestError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends one request; `Host` defaults to `localhost`, `Content-Length` is added for bodies.
    public func sendRequest(
        _ method: String,
        _ path: String,
        host: String = "localhost",
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + (body ?? []))
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TestError("timed out waiting for the server") }
            if errno == ECONNRESET { return false }
            throw TestError("recv failed: errno \(errno)")
        }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Reads bytes until the peer closes the connection.
    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Reads until `text` has arrived (for streams such as server-sent events); returns all read.
    public func readUntil(_ text: String) throws -> String {
        let pattern = Array(text.utf8)
        while buffer.firstRange(of: pattern) == nil {
            guard try fill() else { throw TestError("stream ended before '\(text)'") }
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// True when the server has closed the connection (no more bytes will come).
    public func isClosedByPeer() throws -> Bool {
        if !buffer.isEmpty { return false }
        return try !fill()
    }

    /// Reads one response; `head` says the request was HEAD (no body follows).
    public func readResponse(head: Bool = false) throws -> TestResponse {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
            if headerEnd == nil { guard try fill() else { throw TestError("connection closed before a response") } }
        }
        guard let end = headerEnd else { throw TestError("no header end") }
        let lines = String(decoding: buffer[0..<end - 4], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(end)
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw TestError("bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        if status == 100 { return try readResponse(head: head) }
        var body: [UInt8] = []
        if head || status == 204 || status == 304 {
            // no body
        } else if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { guard try fill() else { throw TestError("body truncated") } }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try readChunked()
        } else {
            body = try readToEnd()
        }
        return TestResponse(status: status, headers: headers, body: body)
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = buffer.firstRange(of: [13, 10])
            while lineEnd == nil {
                guard try fill() else { throw TestError("chunked body truncated") }
                lineEnd = buffer.firstRange(of: [13, 10])
            }
            guard let range = lineEnd else { throw TestError("no chunk size") }
            let sizeText = String(decoding: buffer[0..<range.lowerBound], as: UTF8.self)
            buffer.removeFirst(range.upperBound)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw TestError("bad chunk size")
            }
            while buffer.count < size + 2 { guard try fill() else { throw TestError("chunk truncated") } }
            body += buffer[0..<size]
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }
}

/// One-shot helpers over `TestConnection`.
public enum TestHTTP {
    /// Sends one request on a new connection and reads the response.
    public static func request(
        port: Int,
        _ method: String,
        _ path: String,
        host: String = "localhost",
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws -> TestResponse {
        let connection = try TestConnection(port: port)
        do {
            try connection.sendRequest(method, path, host: host, headers: headers, body: body)
        } catch {
            // The server may answer before the body is all sent (401, 413) and close: like a real
            // client, read that answer; a connection closed with no answer still fails below.
        }
        return try connection.readResponse(head: method == "HEAD")
    }
}

/// A failure inside test plumbing.
public struct TestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `connect(2)` of `fd` to 127.0.0.1:`port`; the call's result (0, or -1 with `errno` set).
func connectLoopback(_ fd: Int32, port: Int) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
}
