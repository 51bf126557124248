import FaztTestSupport
import Foundation
import Testing

/// HTTPS on the real binary: a certificate the owner has (`--tls-cert`), and automatic certificates
/// from Debian's Pebble ACME test CA (`--https`), checked with `openssl s_client` and curl.
@Suite struct HTTPSTests {
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Runs `script` with bash in `directory`; returns its status and output.
    static func bash(_ script: String, in directory: String) throws -> (status: Int32, output: String) {
        try ServerProcess.runScript("/bin/bash", ["-c", script], in: URL(fileURLWithPath: directory))
    }

    /// The `openssl s_client -brief` report of a handshake for `name`, verified against `caFile`.
    static func handshake(port: Int, name: String, caFile: String, in directory: String) throws -> String {
        try bash(
            "openssl s_client -brief -connect 127.0.0.1:\(port) -servername \(name) -CAfile \(caFile) "
                + "-verify_return_error -verify_hostname \(name) </dev/null 2>&1",
            in: directory
        ).output
    }

    /// A curl over HTTPS to `https://<host>:<port><path>` resolving to loopback; `-i` output.
    static func curl(
        port: Int,
        host: String,
        _ path: String,
        caFile: String,
        extra: String = "",
        in directory: String
    ) throws -> String {
        try bash(
            "curl -sS -i --cacert \(caFile) --resolve \(host):\(port):127.0.0.1 \(extra) 'https://\(host):\(port)\(path)'",
            in: directory
        ).output
    }

    /// Deploys a one-file site to `app` over HTTPS.
    static func deploy(
        _ app: String,
        port: Int,
        domain: String,
        token: String,
        caFile: String,
        in directory: String
    )
        throws -> String
    {
        let zip = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "<h1>\(app)</h1>")])
        try Data(zip).write(to: URL(fileURLWithPath: directory + "/\(app).zip"))
        return try curl(
            port: port,
            host: domain,
            "/_fazt/api/v1/apps/\(app)/deploy",
            caFile: caFile,
            extra: "-H 'Authorization: Bearer \(token)' -H 'Content-Type: application/zip' --data-binary @\(app).zip",
            in: directory
        )
    }

    @Test func servesTheOwnersCertificateWithTLS13AndRedirectsPlainHTTP() throws {
        let work = try TemporaryDirectory()
        let made = try Self.bash(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout key.pem "
                + "-out cert.pem -subj /CN=fazt.test -addext 'subjectAltName=DNS:fazt.test,DNS:*.fazt.test' 2>&1",
            in: work.path
        )
        #expect(made.status == 0, "\(made.output)")
        let server = try ServerProcess(arguments: [
            "--domain", "fazt.test", "--https-port", "0", "--tls-cert", work.path + "/cert.pem", "--tls-key",
            work.path + "/key.pem",
        ])
        let https = try #require(server.httpsPort, "no httpsPort in the ready line")
        let token = try server.token()
        let deployed = try Self.deploy(
            "site",
            port: https,
            domain: "fazt.test",
            token: token,
            caFile: "cert.pem",
            in: work.path
        )
        #expect(deployed.contains(" 201"), "\(deployed)")

        let report = try Self.handshake(port: https, name: "site.fazt.test", caFile: "cert.pem", in: work.path)
        #expect(report.contains("Protocol version: TLSv1.3"), "\(report)")
        #expect(report.contains("Verification: OK"), "\(report)")
        let alpn = try Self.bash(
            "openssl s_client -connect 127.0.0.1:\(https) -servername site.fazt.test -alpn h2,http/1.1 </dev/null 2>&1",
            in: work.path
        ).output
        #expect(alpn.contains("ALPN protocol: http/1.1"), "h2 is not served, so not advertised: \(alpn)")
        let old = try Self.bash(
            "openssl s_client -brief -connect 127.0.0.1:\(https) -servername site.fazt.test -tls1_1 </dev/null 2>&1",
            in: work.path
        )
        #expect(!old.output.contains("CONNECTION ESTABLISHED"), "TLS 1.1 is refused: \(old.output)")

        let page = try Self.curl(port: https, host: "site.fazt.test", "/", caFile: "cert.pem", in: work.path)
        #expect(page.contains("HTTP/1.1 200") && page.contains("<h1>site</h1>"), "\(page)")
        #expect(page.lowercased().contains("strict-transport-security: max-age=31536000"), "\(page)")

        let plain = try TestHTTP.request(port: server.port, "GET", "/a?b=1", host: "site.fazt.test")
        #expect(plain.status == 301, "\(plain.text)")
        #expect(plain.header("Location") == "https://site.fazt.test:\(https)/a?b=1")
        #expect(plain.header("Strict-Transport-Security") == nil, "no HSTS over plain HTTP")
        let challenge = try TestHTTP.request(
            port: server.port,
            "GET",
            "/.well-known/acme-challenge/nope",
            host: "site.fazt.test"
        )
        #expect(challenge.status == 404)

        // wss: the WebSocket handshake and frames work unchanged over TLS (a JSON ping is answered
        // with a pong by the server itself).
        let payload = Array(#"{"type":"ping"}"#.utf8)
        let mask: [UInt8] = [1, 2, 3, 4]
        let frame = [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $1 ^ mask[$0 % 4] }
        let request =
            "GET /_ws HTTP/1.1\r\nHost: site.fazt.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try Data(Array(request.utf8) + frame).write(to: URL(fileURLWithPath: work.path + "/ws.bin"))
        let upgrade = try Self.bash(
            "(cat ws.bin; sleep 2) | timeout -s KILL 4 openssl s_client -quiet -connect 127.0.0.1:\(https) "
                + "-servername site.fazt.test 2>&1",
            in: work.path
        )
        #expect(upgrade.output.contains("101 Switching Protocols"), "\(upgrade.output)")
        #expect(upgrade.output.contains(#"{"type":"pong"}"#), "\(upgrade.output)")
    }
}

extension HTTPSTests {
    @Test func refusesHTTPSOptionsThatCannotWork() throws {
        let cases: [([String], String)] = [
            (["--https"], "--https obtains certificates for --domain"),
            (["--https", "--domain", "fazt.test", "--acme-staging", "--acme-directory", "https://ca/dir"], "give one"),
            (["--https", "--domain", "fazt.test", "--acme-directory", "http://ca/dir"], "must be an https:// URL"),
            (["--tls-cert", "/etc/hostname"], "--tls-cert and --tls-key go together"),
            (["--tls-cert", "/nope.pem", "--tls-key", "/nope.key"], "--tls-cert /nope.pem: no such readable file"),
            (["--email", "me@fazt.test"], "need --https"),
            (
                ["--https", "--domain", "fazt.test", "--dns-hook", "/nope.sh"],
                "--dns-hook /nope.sh: no such executable"
            ),
        ]
        for (arguments, message) in cases {
            let (status, _, errors) = try ServerProcess.runCLI(["serve", "--data", "/tmp/unused.db"] + arguments)
            #expect(status != 0 && errors.contains(message), "\(arguments): \(errors)")
        }
    }
}
