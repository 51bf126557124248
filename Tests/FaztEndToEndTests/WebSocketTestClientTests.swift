import FaztTestSupport
import Foundation
import Testing

/// The WebSocket test client against an independent server: a small RFC 6455 echo server in Node
/// (node's `http` and `crypto` only). Skipped where `node` is not installed.
@Suite struct WebSocketTestClientTests {
    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func handshakesAndEchoesTextAndBinaryOfEveryLengthEncoding() throws {
        let server = try NodeEchoServer()
        let client = try server.connect(headers: [("Origin", "http://chat.localhost:1")])
        #expect(client.handshakeHeaders["x-echo-origin"] == "http://chat.localhost:1", "extra headers are sent")
        try client.send(text: "héllo")
        #expect(try client.receive().text == "héllo")
        try client.send(binary: [0, 1, 2, 255])
        let binary = try client.receive()
        #expect(binary.opcode == WebSocketTestClient.Opcode.binary && binary.payload == [0, 1, 2, 255])
        // 7-bit, 16-bit and 64-bit payload lengths, both ways.
        for length in [125, 126, 65_535, 70_000] {
            try client.send(text: "big:\(length)")
            let frame = try client.receive()
            #expect(frame.payload.count == length && frame.fin && !frame.masked && frame.rsv == 0)
            let sent = String(repeating: "y", count: length)
            try client.send(text: sent)
            #expect(try client.receive().text == sent, "a \(length)-byte message echoes back")
        }
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func sendsRawFragmentsAndJoinsReceivedOnes() throws {
        let server = try NodeEchoServer()
        let client = try server.connect()
        try client.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: Array("{\"type\":".utf8), fin: false)
        try client.sendFrame(opcode: WebSocketTestClient.Opcode.continuation, payload: Array("\"joined\"}".utf8))
        #expect(try client.receiveJSON()["type"] as? String == "joined")
        // The server sends a fragmented message with a ping between the fragments.
        try client.send(text: "fragments")
        #expect(try client.receiveJSON()["type"] as? String == "frag")
        #expect(try client.receiveJSON(type: "pong-seen")["payload"] as? String == "", "the ping was answered")
        // Many frames in one write (a fragment flood is built this way).
        var flood: [UInt8] = []
        for index in 0..<50 {
            let opcode = index == 0 ? WebSocketTestClient.Opcode.text : WebSocketTestClient.Opcode.continuation
            flood += WebSocketTestClient.encodeFrame(opcode: opcode, payload: [UInt8(ascii: "a")], fin: index == 49)
        }
        try client.sendRaw(flood)
        #expect(try client.receive().text == String(repeating: "a", count: 50))
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func answersProtocolPingsAndReturnsJSONPingsUnlessSkipped() throws {
        let server = try NodeEchoServer()
        let client = try server.connect()
        // The server sends {"type":"ping"}, {"type":"after"}, then a protocol ping "hb".
        try client.send(text: "ping-me")
        #expect(try client.receiveJSON()["type"] as? String == "ping")
        #expect(try client.receiveJSON()["type"] as? String == "after")
        #expect(try client.receiveJSON()["payload"] as? String == "hb", "the protocol ping got a pong")
        try client.send(text: "ping-me")
        #expect(try client.receiveJSON(skipPings: true)["type"] as? String == "after")
        #expect(try client.receiveJSON(type: "pong-seen")["payload"] as? String == "hb")
        // A protocol ping from the client comes back as a pong.
        try client.ping([7, 8])
        let pong = try client.receive()
        #expect(pong.opcode == WebSocketTestClient.Opcode.pong && pong.payload == [7, 8])
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func reportsCloseCodesAndTheEndOfTheStream() throws {
        let server = try NodeEchoServer()
        let polite = try server.connect()
        try polite.sendClose(code: 1000, reason: "bye")
        let echoed = try polite.expectClose()
        #expect(echoed.code == 1000 && echoed.reason == "bye")

        let kicked = try server.connect()
        try kicked.send(text: "close:4008:slow consumer")
        let closed = try kicked.expectClose()
        #expect(closed.code == 4008 && closed.reason == "slow consumer")

        let dropped = try server.connect()
        try dropped.send(text: "drop")
        #expect(try dropped.expectClose().code == nil, "the end of the stream without a close frame")

        // Unmasked frames and RSV bits are protocol errors for this server too.
        let unmasked = try server.connect()
        try unmasked.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: [65], masked: false)
        #expect(try unmasked.expectClose().code == 1002)
        let reserved = try server.connect()
        try reserved.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: [65], rsv: 0b100)
        let reservedClose = try reserved.expectClose()
        #expect(reservedClose.code == 1002 && reservedClose.reason == "rsv")

        let gone = try server.connect()
        gone.closeAbruptly()
        #expect(throws: (any Error).self) { try gone.send(text: "after close") }
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func refusalsAndBadAcceptsAreErrorsAndWaitsEnd() throws {
        let server = try NodeEchoServer()
        do {
            _ = try server.connect(path: "/refuse")
            Issue.record("a refused handshake returned a client")
        } catch let refused as WebSocketTestClient.HandshakeRefused {
            #expect(refused.status == 403 && refused.body == "no way" && refused.header("X-Why") == "test")
        }
        do {
            _ = try server.connect(omitting: ["Sec-WebSocket-Key"])
            Issue.record("a handshake without a key returned a client")
        } catch let refused as WebSocketTestClient.HandshakeRefused {
            #expect(refused.status == 403)
        }
        #expect(throws: TestError.self, "a wrong Sec-WebSocket-Accept is not accepted") {
            _ = try server.connect(path: "/bad-accept")
        }
        let quiet = try server.connect()
        let start = ContinuousClock.now
        #expect(throws: WebSocketTestClient.TimedOut.self) { _ = try quiet.receive(timeout: .milliseconds(200)) }
        #expect(try quiet.receiveJSONIfAny(timeout: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - start < .seconds(3))
        // The accept value of RFC 6455 §1.3's example.
        #expect(WebSocketTestClient.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}

/// The Node echo server, started per test on a free port and killed when released.
final class NodeEchoServer {
    /// The `node` executable on PATH, or nil.
    static let nodePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/node" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    private let process = Process()
    private let directory: TemporaryDirectory
    let port: Int

    init() throws {
        guard let node = Self.nodePath else { throw TestError("node is not installed") }
        directory = try TemporaryDirectory()
        let script = directory.path + "/echo.js"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = [script]
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        // The port line is the readiness signal.
        var line = ""
        while !line.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { throw TestError("the node echo server exited before listening") }
            line += String(decoding: data, as: UTF8.self)
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestError("unexpected port line: \(line)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func connect(
        path: String = "/",
        headers: [(String, String)] = [],
        omitting: Set<String> = []
    ) throws -> WebSocketTestClient {
        try WebSocketTestClient.connect(
            port: port,
            host: "127.0.0.1:\(port)",
            path: path,
            headers: headers,
            omitting: omitting
        )
    }

    /// Echoes text and binary messages; `ping-me`, `big:N`, `close:CODE:REASON`, `drop` and
    /// `fragments` make it send what the client must handle; answers a pong with `pong-seen`.
    static let script = #"""
        // A minimal RFC 6455 echo server for the WebSocket test client's self-test (node's http + crypto only).
        const http = require('http');
        const crypto = require('crypto');
        const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
        function frame(opcode, payload) {
          const n = payload.length;
          const head = n < 126 ? Buffer.from([0x80 | opcode, n])
            : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 255])
            : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
          return Buffer.concat([head, payload]);
        }
        const server = http.createServer((req, res) => { res.writeHead(404); res.end('not a socket'); });
        server.on('upgrade', (req, socket) => {
          const key = req.headers['sec-websocket-key'];
          if (req.url === '/refuse' || !key) {
            socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Why: test\r\nContent-Length: 6\r\n\r\nno way');
            return;
          }
          const accept = req.url === '/bad-accept' ? 'wrong' : crypto.createHash('sha1').update(key + GUID).digest('base64');
          socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Accept: ' + accept + '\r\nX-Echo-Origin: ' + (req.headers.origin || '') + '\r\n\r\n');
          let buf = Buffer.alloc(0);
          let parts = null;
          const text = (s) => socket.write(frame(1, Buffer.from(s)));
          const close = (code, reason) => {
            const body = Buffer.concat([Buffer.from([code >> 8, code & 255]), Buffer.from(reason || '')]);
            socket.end(frame(8, body));
          };
          function message(opcode, data) {
            const s = data.toString();
            if (opcode === 2) return socket.write(frame(2, data));
            if (s === 'ping-me') {
              text('{"type":"ping"}'); text('{"type":"after"}'); socket.write(frame(9, Buffer.from('hb')));
            } else if (s.startsWith('big:')) {
              text('x'.repeat(Number(s.slice(4))));
            } else if (s.startsWith('close:')) {
              const [, code, reason] = s.split(':'); close(Number(code), reason);
            } else if (s === 'drop') {
              socket.destroy();
            } else if (s === 'fragments') {
              socket.write(Buffer.concat([Buffer.from([0x01, 3]), Buffer.from('{"t'),
                Buffer.from([0x89, 0]), Buffer.from([0x80, 12]), Buffer.from('ype":"frag"}')]));
            } else text(s);
          }
          socket.on('data', (chunk) => {
            buf = Buffer.concat([buf, chunk]);
            while (buf.length >= 2) {
              let len = buf[1] & 127, off = 2;
              if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
              else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
              const masked = (buf[1] & 128) !== 0;
              if (buf.length < off + (masked ? 4 : 0) + len) return;
              const fin = (buf[0] & 128) !== 0, rsv = (buf[0] >> 4) & 7, opcode = buf[0] & 15;
              if (!masked || rsv !== 0) return close(1002, masked ? 'rsv' : 'unmasked');
              const mask = buf.subarray(off, off + 4);
              const data = Buffer.from(buf.subarray(off + 4, off + 4 + len)).map((b, i) => b ^ mask[i & 3]);
              buf = buf.subarray(off + 4 + len);
              if (opcode === 8) return socket.end(frame(8, data));
              if (opcode === 9) { socket.write(frame(10, data)); continue; }
              if (opcode === 10) { text(JSON.stringify({ type: 'pong-seen', payload: data.toString() })); continue; }
              if (opcode === 0) { if (!parts) return close(1002, 'continuation'); parts.data.push(data); }
              else parts = { opcode, data: [data] };
              if (fin) { const m = parts; parts = null; message(m.opcode, Buffer.concat(m.data)); }
            }
          });
          socket.on('error', () => {});
        });
        server.listen(0, '127.0.0.1', () => console.log(server.address().port));
        """#
}
