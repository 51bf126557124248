import FaztTestSupport
import Foundation
import Glibc
import Testing

/// `--dns-hook`: one wildcard certificate through DNS-01, published by a hook script that talks to
/// pebble-challtestsrv's management API.
extension HTTPSTests {
    @Test(
        .timeLimit(.minutes(3)),
        .enabled(
            if: PebbleCA.isInstalled || HTTPSTests.onCI,
            "pebble is not installed: run scripts/install-deps.sh test"
        )
    )
    func wildcardCertificateThroughTheDNSHookServesEveryAppWithoutPerAppOrders() throws {
        let httpPort = try PebbleCA.freePort()
        let pebble = try PebbleCA(httpPort: httpPort)
        let work = try TemporaryDirectory()
        let hook = work.path + "/dns-hook.sh"
        let management = "http://127.0.0.1:\(pebble.challengeManagementPort)"
        try """
        #!/bin/bash
        # $1: set|clear, $2: _acme-challenge.<name>, $3: the TXT value
        echo "$1 $2" >> \(work.path)/hook.log
        if [ "$1" = set ]; then
          curl -sSf -X POST -d "{\\"host\\":\\"$2.\\",\\"value\\":\\"$3\\"}" \(management)/set-txt
        else
          curl -sSf -X POST -d "{\\"host\\":\\"$2.\\"}" \(management)/clear-txt
        fi
        """.write(toFile: hook, atomically: true, encoding: .utf8)
        #expect(chmod(hook, 0o755) == 0)
        let server = try ServerProcess(arguments: [
            "--domain", "fazt.test", "--https", "--https-port", "0", "--port", "\(httpPort)", "--acme-directory",
            pebble.directoryURL, "--acme-ca-file", pebble.caFile, "--dns-hook", hook,
        ])
        #expect(server.waitForStderr("certificate issued", seconds: 60), "\(server.stderr)")
        try pebble.rootPEM().write(toFile: work.path + "/root.pem", atomically: true, encoding: .utf8)
        let https = try #require(server.httpsPort)
        let token = try server.token()
        let log = (try? String(contentsOfFile: work.path + "/hook.log", encoding: .utf8)) ?? ""
        #expect(
            log.contains("set _acme-challenge.fazt.test") && log.contains("clear _acme-challenge.fazt.test"),
            "\(log)"
        )

        #expect(
            try Self.deploy("notes", port: https, domain: "fazt.test", token: token, caFile: "root.pem", in: work.path)
                .contains(" 201")
        )
        for name in ["fazt.test", "notes.fazt.test"] {
            let report = try Self.handshake(port: https, name: name, caFile: "root.pem", in: work.path)
            #expect(report.contains("Verification: OK"), "\(name): \(report)")
        }
        let names = try Self.bash(
            "openssl s_client -connect 127.0.0.1:\(https) -servername notes.fazt.test </dev/null 2>/dev/null "
                + "| openssl x509 -noout -ext subjectAltName",
            in: work.path
        ).output
        #expect(names.contains("DNS:*.fazt.test") && !names.contains("notes"), "the app name is not in it: \(names)")
        let orders = try Self.metric(
            "fazt_acme_orders_total",
            port: https,
            token: token,
            caFile: "root.pem",
            in: work.path
        )
        #expect(orders == 1, "one wildcard order, none per app")
    }
}
