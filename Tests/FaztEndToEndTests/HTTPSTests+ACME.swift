import FaztTestSupport
import Foundation
import Testing

/// Automatic certificates from Pebble (Debian `pebble`, which `make test` installs; without it the
/// test is skipped, or fails when `CI` is set).
extension HTTPSTests {
    /// The value of `series` in the metrics scraped over HTTPS.
    static func metric(
        _ series: String,
        port: Int,
        token: String,
        caFile: String,
        in directory: String
    ) throws
        -> Double?
    {
        let text = try curl(
            port: port,
            host: "fazt.test",
            "/_fazt/metrics",
            caFile: caFile,
            extra: "-H 'Authorization: Bearer \(token)'",
            in: directory
        )
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// The leaf's serial number as `openssl s_client` shows it.
    static func serial(port: Int, name: String, in directory: String) throws -> String {
        try bash(
            "openssl s_client -connect 127.0.0.1:\(port) -servername \(name) </dev/null 2>/dev/null "
                + "| openssl x509 -noout -serial",
            in: directory
        ).output
    }

    @Test(
        .timeLimit(.minutes(5)),
        .enabled(
            if: PebbleCA.isInstalled || HTTPSTests.onCI,
            "pebble is not installed: run scripts/install-deps.sh test"
        )
    )
    func obtainsOnDemandCertificatesFromPebbleOnlyForServedNamesRenewsThemAndWarnsBeforeExpiry() throws {
        let httpPort = try PebbleCA.freePort()
        let pebble = try PebbleCA(httpPort: httpPort)
        let work = try TemporaryDirectory()
        let arguments = [
            "--domain", "fazt.test", "--https", "--https-port", "0", "--port", "\(httpPort)", "--acme-directory",
            pebble.directoryURL, "--acme-ca-file", pebble.caFile, "--email", "owner@fazt.test",
            "--max-connections-per-ip", "1000",
        ]
        var server = try ServerProcess(arguments: arguments)
        let data = server.directory
        #expect(server.waitForStderr("certificate issued", seconds: 60), "\(server.stderr)")
        try pebble.rootPEM().write(toFile: work.path + "/root.pem", atomically: true, encoding: .utf8)
        var https = try #require(server.httpsPort)
        let token = try server.token()

        // The bare domain's certificate, obtained at start over HTTP-01 on the plain port.
        let domain = try Self.handshake(port: https, name: "fazt.test", caFile: "root.pem", in: work.path)
        #expect(domain.contains("Verification: OK") && domain.contains("CN = fazt.test"), "\(domain)")

        // An app's certificate, on demand at its first handshake.
        let deployed = try Self.deploy(
            "blog",
            port: https,
            domain: "fazt.test",
            token: token,
            caFile: "root.pem",
            in: work.path
        )
        #expect(deployed.contains(" 201"), "\(deployed)")
        let blog = try Self.handshake(port: https, name: "blog.fazt.test", caFile: "root.pem", in: work.path)
        #expect(blog.contains("Verification: OK") && blog.contains("CN = blog.fazt.test"), "\(blog)")
        let page = try Self.curl(port: https, host: "blog.fazt.test", "/", caFile: "root.pem", in: work.path)
        #expect(page.contains("HTTP/1.1 200") && page.contains("<h1>blog</h1>"), "\(page)")
        let orders = "fazt_acme_orders_total"
        #expect(try Self.metric(orders, port: https, token: token, caFile: "root.pem", in: work.path) == 2)

        // 200 handshakes for names no app has: no certificate, and no order.
        let unknown = try Self.bash(
            "for batch in $(seq 10); do for i in $(seq 20); do "
                + "(openssl s_client -connect 127.0.0.1:\(https) -servername x$RANDOM$batch$i.fazt.test </dev/null "
                + ">/dev/null 2>&1 && echo served) & done; wait; done",
            in: work.path
        )
        #expect(!unknown.output.contains("served"), "\(unknown.output)")
        #expect(try Self.metric(orders, port: https, token: token, caFile: "root.pem", in: work.path) == 2)

        // 50 concurrent first handshakes for a new app: one order, every handshake served.
        #expect(
            try Self.deploy("rush", port: https, domain: "fazt.test", token: token, caFile: "root.pem", in: work.path)
                .contains(" 201")
        )
        let rush = try Self.bash(
            "for i in $(seq 50); do (openssl s_client -brief -connect 127.0.0.1:\(https) -servername rush.fazt.test "
                + "-CAfile root.pem -verify_return_error </dev/null 2>&1 | grep -c 'Verification: OK') & done; wait",
            in: work.path
        )
        #expect(rush.output.split(separator: "\n").filter { $0 == "1" }.count == 50, "\(rush.output)")
        #expect(try Self.metric(orders, port: https, token: token, caFile: "root.pem", in: work.path) == 3)
        let blogSerial = try Self.serial(port: https, name: "blog.fazt.test", in: work.path)

        // A restart serves the stored certificates: no new order.
        #expect(server.stop() == 0)
        server = try ServerProcess(arguments: arguments, reuse: data)
        https = try #require(server.httpsPort)
        for name in ["fazt.test", "blog.fazt.test", "rush.fazt.test"] {
            let report = try Self.handshake(port: https, name: name, caFile: "root.pem", in: work.path)
            #expect(report.contains("Verification: OK"), "\(name): \(report)")
        }
        #expect(try Self.serial(port: https, name: "blog.fazt.test", in: work.path) == blogSerial)
        #expect(try Self.metric(orders, port: https, token: token, caFile: "root.pem", in: work.path) == 0)

        // Four years on (Pebble's certificates last five): a third of the lifetime is left, so each
        // certificate is renewed at start, and the new one is served without a restart.
        #expect(server.stop() == 0)
        server = try ServerProcess(
            arguments: arguments,
            reuse: data,
            environment: ["FAZT_TLS_CLOCK_OFFSET_SECONDS": "\(4 * 365 * 86_400)"]
        )
        https = try #require(server.httpsPort)
        // Generous: alone this takes seconds, but a full parallel run on 2 cores took over 90 s.
        #expect(server.waitForStderr("certificate issued", occurrences: 3, seconds: 240), "\(server.stderr)")
        #expect(try Self.metric(orders, port: https, token: token, caFile: "root.pem", in: work.path) == 3)
        let renewed = try Self.serial(port: https, name: "blog.fazt.test", in: work.path)
        #expect(renewed.hasPrefix("serial=") && renewed != blogSerial, "\(renewed) vs \(blogSerial)")
        let expiry = try Self.metric(
            #"fazt_certificate_expiry_seconds{name="blog.fazt.test"}"#,
            port: https,
            token: token,
            caFile: "root.pem",
            in: work.path
        )
        #expect((expiry ?? 0) > 0, "the renewed certificate's expiry is reported")

        // Three days before expiry with the CA gone: renewal fails and the owner is notified.
        #expect(server.stop() == 0)
        pebble.stop()
        server = try ServerProcess(
            arguments: arguments,
            reuse: data,
            environment: ["FAZT_TLS_CLOCK_OFFSET_SECONDS": "\(157_766_400 - 3 * 86_400)"]
        )
        https = try #require(server.httpsPort)
        #expect(server.waitForStderr("owner warned of certificate expiry", occurrences: 3, seconds: 60))
        let inbox = try Self.curl(
            port: https,
            host: "fazt.test",
            "/_fazt/api/v1/notifications",
            caFile: "root.pem",
            extra: "-H 'Authorization: Bearer \(token)'",
            in: work.path
        )
        #expect(inbox.contains("TLS certificate for blog.fazt.test expires in"), "\(inbox)")
        #expect(
            try Self.metric("fazt_acme_failures_total", port: https, token: token, caFile: "root.pem", in: work.path)
                == 3
        )
        server.kill9()
    }
}
