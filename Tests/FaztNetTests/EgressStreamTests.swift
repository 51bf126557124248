import FaztNet
import Foundation
import Glibc
import Synchronization
import Testing

/// Streamed egress (`EgressLoop.start`) against a one-connection server on loopback.
@Suite struct EgressStreamTests {
    @Test func deliversTheHeadThenEachPieceThenTheEnd() throws {
        let server = try OneShotServer { client in
            client.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in ["data: a\n\n", "data: é", "\n\n"] {
                let bytes = Array(piece.utf8)
                client.send(String(bytes.count, radix: 16) + "\r\n")
                client.send(bytes)
                client.send("\r\n")
                usleep(20_000)
            }
            client.send("0\r\n\r\n")
        }
        let recorder = StreamRecorder()
        EgressLoop.shared.start(server.request, policy: Self.policy, stream: recorder.stream)
        let end = try recorder.waitForEnd()
        #expect(try end.get() == ())
        #expect(recorder.status == 200)
        #expect(recorder.header("content-type") == "text/event-stream")
        #expect(String(decoding: recorder.body, as: UTF8.self) == "data: a\n\ndata: é\n\n")
        #expect(recorder.pieces >= 2, "pieces arrive as they are sent, not at the end")
    }

    @Test func cancelClosesASilentUpstreamAtOnce() throws {
        let closed = Atomic<Bool>(false)
        let server = try OneShotServer { client in
            client.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            client.send("7\r\ndata: a\r\n")
            // Silent from here; the client's cancel must close the connection.
            closed.store(client.waitForClose(seconds: 5), ordering: .releasing)
        }
        let recorder = StreamRecorder()
        EgressLoop.shared.start(server.request, policy: Self.policy, stream: recorder.stream)
        try recorder.waitForFirstPiece()
        let cancelled = ContinuousClock.now
        recorder.stream.cancel()
        let end = try recorder.waitForEnd()
        #expect(ContinuousClock.now - cancelled < .milliseconds(100))
        #expect(throws: EgressError.self) { try end.get() }
        server.join()
        let sawClose = closed.load(ordering: .acquiring)
        #expect(sawClose)
    }

    @Test func aStalledUpstreamTimesOut() throws {
        let server = try OneShotServer { client in
            client.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            _ = client.waitForClose(seconds: 6)
        }
        var policy = Self.policy
        policy.stallSeconds = 1
        let recorder = StreamRecorder()
        EgressLoop.shared.start(server.request, policy: policy, stream: recorder.stream)
        let end = try recorder.waitForEnd(seconds: 5)
        guard case .failure(let error) = end else {
            Issue.record("a stalled stream ended without an error")
            return
        }
        #expect(error.timedOut)
        #expect(error.message == "ai: nothing received for 1 s")
        #expect(String(decoding: recorder.body, as: UTF8.self) == "hello")
    }

    static let policy: EgressPolicy = {
        var policy = EgressPolicy(allowPrivate: true)
        policy.timeoutSeconds = 30
        policy.label = "ai"
        return policy
    }()
}

/// Collects what a stream's callbacks deliver, for the test thread to wait on.
private final class StreamRecorder: @unchecked Sendable {
    // Safe: every field is read and written under `condition`.
    private let condition = NSCondition()
    private var statusValue = 0
    private var headers: [(String, String)] = []
    private var bodyValue: [UInt8] = []
    private var piecesValue = 0
    private var end: Result<Void, EgressError>?
    private var ends = 0
    private(set) var stream: EgressStream!

    init() {
        stream = EgressStream(
            onHead: { [self] status, headers in
                changed {
                    statusValue = status
                    self.headers = headers
                }
            },
            onData: { [self] bytes in
                changed {
                    bodyValue += bytes
                    piecesValue += 1
                }
            },
            onEnd: { [self] result in
                changed {
                    end = result
                    ends += 1
                }
            }
        )
    }

    private func changed(_ body: () -> Void) {
        condition.lock()
        body()
        condition.broadcast()
        condition.unlock()
    }

    private func read<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    var status: Int { read { statusValue } }
    var body: [UInt8] { read { bodyValue } }
    var pieces: Int { read { piecesValue } }
    func header(_ name: String) -> String? { read { headers.first { $0.0 == name }?.1 } }

    func waitForFirstPiece(seconds: Double = 5) throws {
        try wait(seconds: seconds, for: "the first piece") { piecesValue > 0 }
    }

    func waitForEnd(seconds: Double = 5) throws -> Result<Void, EgressError> {
        try wait(seconds: seconds, for: "the end") { end != nil }
        let (result, count) = read { (end, ends) }
        #expect(count == 1)
        guard let result else { throw StreamTestError("no end") }
        return result
    }

    private func wait(seconds: Double, for what: String, _ done: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !done() {
            guard condition.wait(until: deadline) else { throw StreamTestError("timed out waiting for \(what)") }
        }
    }
}

private struct StreamTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A server on 127.0.0.1 that accepts one connection, reads the request head and runs `script`.
private final class OneShotServer: @unchecked Sendable {
    // Safe: `finished` is read and written under `done`.
    let port: UInt16
    private let done = NSCondition()
    private var finished = false

    var request: EgressRequest {
        EgressRequest(url: "http://127.0.0.1:\(port)/stream", method: "POST", headers: [], body: Array("{}".utf8))
    }

    init(_ script: @escaping @Sendable (Client) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw StreamTestError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw StreamTestError("bind failed") }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            let fd = accept(listener, nil, nil)
            close(listener)
            if fd >= 0 {
                let client = Client(fd: fd)
                client.readHead()
                script(client)
                close(fd)
            }
            done.lock()
            finished = true
            done.broadcast()
            done.unlock()
        }
        thread.start()
    }

    /// Waits for the script to return.
    func join() {
        done.lock()
        while !finished { _ = done.wait(until: Date().addingTimeInterval(10)) }
        done.unlock()
    }

    struct Client: Sendable {
        let fd: Int32

        func send(_ text: String) { send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        func readHead() {
            var seen: [UInt8] = []
            var byte: UInt8 = 0
            while recv(fd, &byte, 1, 0) == 1 {
                seen.append(byte)
                if seen.suffix(4) == [13, 10, 13, 10] { break }
            }
            // The body (`{}`): Content-Length 2.
            var body = [UInt8](repeating: 0, count: 2)
            _ = recv(fd, &body, 2, Int32(MSG_WAITALL))
        }

        /// True when the peer closed within `seconds`.
        func waitForClose(seconds: Int32) -> Bool {
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, seconds * 1000) == 1 else { return false }
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) <= 0
        }
    }
}
