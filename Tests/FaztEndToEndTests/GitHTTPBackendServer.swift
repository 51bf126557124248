import FaztTestSupport
import Foundation

/// `git http-backend` behind a small Python CGI server with HTTP Basic auth, serving the bare
/// repositories under `root`; started per test on a free port and killed (SIGKILL) when released.
final class GitHTTPBackendServer {
    private let process = Process()
    let port: Int
    let root: String

    /// Serves the repositories under `root`, accepting only `user`:`token`.
    init(root: String, user: String, token: String) throws {
        self.root = root
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.script, root, user, token]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = root
        process.environment = environment
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        // The port line is the readiness signal.
        let (_, line) = try ServerProcess.firstLine(of: output, exited: "the git CGI server exited before listening")
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestError("unexpected port line: \(line)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The URL of repository `name` (a folder under `root`).
    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    /// Requests answered so far, and how many of them were refused with 401.
    func stats() throws -> (requests: Int, unauthorized: Int) {
        let response = try TestHTTP.request(port: port, "GET", "/_stats")
        let body = try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Int] ?? [:]
        return (body["requests"] ?? -1, body["unauthorized"] ?? -1)
    }

    static let script = #"""
        import base64, http.server, json, os, subprocess, sys
        root, user, token = sys.argv[1], sys.argv[2], sys.argv[3]
        expected = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        stats = {"requests": 0, "unauthorized": 0}

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def serve(self):
                if self.path == "/_stats":
                    return self.reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])
                stats["requests"] += 1
                if self.headers.get("Authorization") != expected:
                    stats["unauthorized"] += 1
                    return self.reply(401, b"authentication required\n", [("WWW-Authenticate", 'Basic realm="git"')])
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                           QUERY_STRING=query, REQUEST_METHOD=self.command,
                           CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(body)),
                           REMOTE_USER=user, REMOTE_ADDR="127.0.0.1", GATEWAY_INTERFACE="CGI/1.1",
                           SERVER_PROTOCOL="HTTP/1.1")
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                separator = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
                head, _, rest = out.partition(separator)
                status, headers = 200, []
                for line in head.decode("latin-1").splitlines():
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.reply(status, rest, headers)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
