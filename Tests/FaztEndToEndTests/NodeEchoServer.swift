import FaztTestSupport
import Foundation

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
