import CCrypto
import Foundation
import Glibc

/// A blocking WebSocket client over a raw loopback socket, for end-to-end tests: the test chooses
/// every byte sent (malformed frames included), and every wait ends at a deadline, so a broken server
/// fails a test instead of hanging it.
///
/// Not thread-safe: one test drives one client.
public final class WebSocketTestClient {
    /// The server answered the upgrade request with something other than `101 Switching Protocols`.
    public struct HandshakeRefused: Error, CustomStringConvertible {
        public var status: Int
        /// Header names lower-cased; repeated headers joined with ", ".
        public var headers: [String: String]
        public var body: String

        public func header(_ name: String) -> String? { headers[name.lowercased()] }

        public var description: String { "WebSocket handshake refused: \(status) \(body)" }
    }

    /// Nothing (or not the awaited thing) arrived before the deadline.
    public struct TimedOut: Error, CustomStringConvertible {
        public var waitingFor: String
        public var description: String { "timed out waiting for \(waitingFor)" }
    }

    /// The frame opcodes of RFC 6455 §5.2.
    public enum Opcode {
        public static let continuation: UInt8 = 0x0
        public static let text: UInt8 = 0x1
        public static let binary: UInt8 = 0x2
        public static let close: UInt8 = 0x8
        public static let ping: UInt8 = 0x9
        public static let pong: UInt8 = 0xA
    }

    /// How long a call waits when it is not given a timeout.
    public static let defaultTimeout: Duration = .seconds(5)
    /// The GUID that RFC 6455 §1.3 appends to the key before hashing.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    private let fd: Int32
    private var isOpen = true
    /// Bytes received and not yet parsed into frames.
    var buffer: [UInt8] = []
    /// The timeout of calls that are not given one.
    public let timeout: Duration
    /// The headers of the `101` answer, names lower-cased.
    public private(set) var handshakeHeaders: [String: String] = [:]

    private init(port: Int, receiveBufferSize: Int?, timeout: Duration) throws {
        self.timeout = timeout
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            isOpen = false
            throw TestError("socket failed: errno \(errno)")
        }
        if var size = receiveBufferSize.map({ Int32(clamping: $0) }) {
            // Before connect, so the advertised window is small from the first segment.
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        // SO_SNDTIMEO bounds a blocking connect on Linux.
        let seconds = timeout.components.seconds
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = connectLoopback(fd, port: port)
        // deinit closes the descriptor when this throws (once: see TestConnection).
        guard result == 0 else { throw TestError("connect to 127.0.0.1:\(port) failed: errno \(errno)") }
        // Every later wait is a poll with a deadline.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { if isOpen { close(fd) } }

    /// Opens a TCP connection to `127.0.0.1:port` and performs the opening handshake for `path`.
    ///
    /// - Parameters:
    ///   - host: the `Host` header, such as `chat.localhost:8080`.
    ///   - headers: extra headers (`Origin`); one named like a default header (`Sec-WebSocket-Version`)
    ///     replaces it.
    ///   - omitting: default headers not to send (`Sec-WebSocket-Key`), for refusal tests.
    ///   - receiveBufferSize: `SO_RCVBUF` set before connecting (slow-consumer tests).
    /// - Throws: `HandshakeRefused` when the status is not 101; `TestError` when a 101 answer is not
    ///   a valid WebSocket accept; `TimedOut`.
    public static func connect(
        port: Int,
        host: String,
        path: String = "/_ws",
        headers: [(String, String)] = [],
        omitting: Set<String> = [],
        receiveBufferSize: Int? = nil,
        timeout: Duration = defaultTimeout
    ) throws -> WebSocketTestClient {
        let client = try WebSocketTestClient(port: port, receiveBufferSize: receiveBufferSize, timeout: timeout)
        try client.handshake(host: host, path: path, headers: headers, omitting: Set(omitting.map { $0.lowercased() }))
        return client
    }

    /// A fresh random `Sec-WebSocket-Key`: 16 bytes, base64.
    public static func randomKey() -> String {
        Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// The `Sec-WebSocket-Accept` value a server must answer to `key`.
    public static func acceptValue(forKey key: String) -> String {
        let input = Array((key + acceptGUID).utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(input, input.count, &digest, &length, EVP_sha1(), nil) == 1 else { return "" }
        return Data(digest.prefix(Int(length))).base64EncodedString()
    }

    private func handshake(host: String, path: String, headers: [(String, String)], omitting: Set<String>) throws {
        let defaults = [
            ("Host", host), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", Self.randomKey()), ("Sec-WebSocket-Version", "13"),
        ]
        let overridden = Set(headers.map { $0.0.lowercased() })
        let fields =
            defaults.filter { !omitting.contains($0.0.lowercased()) && !overridden.contains($0.0.lowercased()) }
            + headers
        var head = "GET \(path) HTTP/1.1\r\n"
        for (name, value) in fields { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let deadline = ContinuousClock.now + timeout
        try sendRaw(Array(head.utf8), until: deadline)

        let (status, answer) = try readResponseHead(until: deadline)
        guard status == 101 else {
            let body = try readRefusalBody(headers: answer, until: deadline)
            throw HandshakeRefused(status: status, headers: answer, body: String(decoding: body, as: UTF8.self))
        }
        handshakeHeaders = answer
        guard answer["upgrade"]?.lowercased() == "websocket" else {
            throw TestError("101 without 'Upgrade: websocket': \(answer)")
        }
        let key = fields.last { $0.0.lowercased() == "sec-websocket-key" }?.1 ?? ""
        let expected = Self.acceptValue(forKey: key)
        guard answer["sec-websocket-accept"] == expected else {
            throw TestError(
                "Sec-WebSocket-Accept is \(answer["sec-websocket-accept"] ?? "missing"), expected \(expected)"
            )
        }
    }

    private func readResponseHead(until deadline: ContinuousClock.Instant) throws -> (Int, [String: String]) {
        var end = buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
        while end == nil {
            guard try fill(until: deadline, waitingFor: "the handshake answer") else {
                throw TestError("connection closed before a handshake answer")
            }
            end = buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
        }
        guard let end else { throw TestError("no header end") }
        let lines = String(decoding: buffer[0..<end - 4], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(end)
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        return (status, headers)
    }

    /// The body of a refusal: by `Content-Length` or chunks, else whatever arrives before the server
    /// closes or the deadline (a refusal body is informative only).
    private func readRefusalBody(headers: [String: String], until deadline: ContinuousClock.Instant) throws -> [UInt8] {
        let chunked = headers["transfer-encoding"]?.lowercased().contains("chunked") == true
        let length = headers["content-length"].flatMap { Int($0) }
        func complete() -> Bool {
            if chunked { return buffer.firstRange(of: Array("0\r\n\r\n".utf8)) != nil }
            return length.map { buffer.count >= $0 } ?? false
        }
        while !complete() {
            guard (try? fill(until: deadline, waitingFor: "the refusal body")) == true else { break }
        }
        guard chunked else { return Array(buffer.prefix(length ?? buffer.count)) }
        var rest = buffer[...]
        var body: [UInt8] = []
        while let lineEnd = rest.firstRange(of: [13, 10]),
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16), size > 0,
            rest.endIndex - lineEnd.upperBound >= size
        {
            body += rest[lineEnd.upperBound..<lineEnd.upperBound + size]
            rest = rest[min(rest.endIndex, lineEnd.upperBound + size + 2)...]
        }
        return body
    }

    // MARK: - Socket I/O

    /// Waits for `events` on the socket until `deadline`.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant, waitingFor what: String) throws {
        guard isOpen else { throw TestError("the socket was closed by the test") }
        while true {
            let left = deadline - .now
            let milliseconds = max(
                0,
                left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
            )
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: left > .zero ? milliseconds : 0))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw TestError("poll failed: errno \(errno)") }
            if ready == 0 && ContinuousClock.now >= deadline { throw TimedOut(waitingFor: what) }
        }
    }

    /// Reads what is available into `buffer`; false at the end of the stream (or a reset).
    func fill(until deadline: ContinuousClock.Instant, waitingFor what: String) throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            try wait(for: Int16(POLLIN), until: deadline, waitingFor: what)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR: continue
            case ECONNRESET: return false
            case let error: throw TestError("recv failed: errno \(error)")
            }
        }
    }

    /// Sends `bytes` as they are (one or more frames built with `encodeFrame`, or garbage).
    public func sendRaw(_ bytes: [UInt8], timeout: Duration? = nil) throws {
        try sendRaw(bytes, until: ContinuousClock.now + (timeout ?? self.timeout))
    }

    private func sendRaw(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), until: deadline, waitingFor: "room to send")
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw TestError("send failed: errno \(errno)")
            }
        }
    }

    /// Closes the TCP connection without a close frame (a crashed client or a lost network).
    public func closeAbruptly() {
        guard isOpen else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        isOpen = false
    }
}
