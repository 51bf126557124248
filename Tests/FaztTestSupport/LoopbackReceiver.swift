import Foundation
import Glibc

/// A tiny server on 127.0.0.1 for tests: records what webhook (HTTP) or mail (SMTP) clients send.
///
/// One thread accepts connections and serves them one at a time: enough for notifications.
public final class LoopbackReceiver: @unchecked Sendable {
    // Safe: `received` and `status` are only touched under `lock`.
    public enum Kind: Sendable { case http, smtp }

    /// One request (HTTP: method, path, headers, body; SMTP: envelope sender, recipients, message).
    public struct Received: Sendable {
        public var method = ""
        public var path = ""
        public var headers: [String: String] = [:]
        public var body = ""
        public var mailFrom = ""
        public var recipients: [String] = []
    }

    public let port: Int
    private let socket: Int32
    private let kind: Kind
    private let lock = NSCondition()
    private var received: [Received] = []
    private var status = 200
    private var body = "ok"
    private var answer: (@Sendable (Received) -> (status: Int, body: String))?

    public init(_ kind: Kind) throws {
        self.kind = kind
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 16) == 0 else { throw TestError("cannot listen on loopback: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { shutdown(socket, Int32(SHUT_RDWR)) }

    /// Answer later HTTP requests with this status and body (to test failures and retries).
    public func respond(with status: Int, body: String = "ok") {
        lock.lock()
        self.status = status
        self.body = body
        lock.unlock()
    }

    /// Answer later HTTP requests with what `answer` makes of each one.
    public func respond(_ answer: @escaping @Sendable (Received) -> (status: Int, body: String)) {
        lock.lock()
        self.answer = answer
        lock.unlock()
    }

    /// Everything received so far.
    public var all: [Received] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Waits until at least `count` requests arrived (false after `seconds`).
    public func wait(for count: Int, seconds: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while received.count < count {
            if !lock.wait(until: deadline) { return received.count >= count }
        }
        return true
    }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let connection = LineConnection(fd: client)
            switch kind {
            case .http: serveHTTP(connection)
            case .smtp: serveSMTP(connection)
            }
            close(client)
        }
    }

    private func record(_ item: Received) {
        lock.lock()
        received.append(item)
        lock.broadcast()
        lock.unlock()
    }

    private func serveHTTP(_ connection: LineConnection) {
        var item = Received()
        guard let request = connection.line() else { return }
        let parts = request.split(separator: " ")
        guard parts.count >= 2 else { return }
        item.method = String(parts[0])
        item.path = String(parts[1])
        while let line = connection.line(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            item.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        let length = Int(item.headers["content-length"] ?? "0") ?? 0
        item.body = String(decoding: connection.bytes(length), as: UTF8.self)
        lock.lock()
        var (status, body) = (self.status, self.body)
        if let answer { (status, body) = answer(item) }
        lock.unlock()
        record(item)
        connection.send(
            "HTTP/1.1 \(status) X\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        )
    }

    private func serveSMTP(_ connection: LineConnection) {
        var item = Received()
        connection.send("220 sink ESMTP\r\n")
        while let line = connection.line() {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                connection.send("250-sink\r\n250 8BITMIME\r\n")
            } else if upper.hasPrefix("MAIL FROM:") {
                item.mailFrom = String(line.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
                connection.send("250 ok\r\n")
            } else if upper.hasPrefix("RCPT TO:") {
                item.recipients.append(
                    String(line.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
                )
                connection.send("250 ok\r\n")
            } else if upper == "DATA" {
                connection.send("354 go on\r\n")
                var lines: [String] = []
                while let data = connection.line(), data != "." { lines.append(data) }
                item.body = lines.joined(separator: "\n")
                record(item)
                connection.send("250 queued\r\n")
            } else if upper == "QUIT" {
                connection.send("221 bye\r\n")
                return
            } else {
                connection.send("250 ok\r\n")
            }
        }
    }
}

/// Buffered CRLF line reading over a socket.
final class LineConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer += chunk.prefix(count)
        return true
    }

    func line() -> String? {
        while true {
            if let index = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    func bytes(_ count: Int) -> [UInt8] {
        while buffer.count < count { guard fill() else { break } }
        let take = min(count, buffer.count)
        defer { buffer.removeFirst(take) }
        return Array(buffer.prefix(take))
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
