import FaztStore
import FaztTestSupport
import Foundation
import Glibc
import Testing

/// `fazt doctor` against a running and a stopped installation of the real binary.
@Suite struct DoctorTests {
    static func doctor(_ server: ServerProcess, _ extra: [String] = []) throws -> (Int32, [String: [String: Any]]) {
        let (status, out, err) = try ServerProcess.runCLI(
            [
                "doctor", "--json", "--data", server.dataPath, "--unit-path", server.dataPath + ".no-unit",
                "--acme-directory", "http://127.0.0.1:\(server.port)/_fazt/livez",
            ] + extra
        )
        let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let list = object?["checks"] as? [[String: Any]] ?? []
        #expect(!list.isEmpty, "\(out) \(err)")
        var checks: [String: [String: Any]] = [:]
        for check in list { checks[check["name"] as? String ?? ""] = check }
        return (status, checks)
    }

    static func level(_ checks: [String: [String: Any]], _ name: String) -> String {
        checks[name]?["level"] as? String ?? "missing"
    }

    @Test func checksARunningInstallationAndNamesTheFixes() throws {
        let server = try ServerProcess()
        let closed = Self.closedPort()
        let (status, checks) = try Self.doctor(
            server,
            ["--domain", "localhost", "--http-port", String(server.port), "--https-port", String(closed)]
        )
        #expect(status == 1, "a failed check makes the exit status 1")
        for name in ["database", "server", "wal", "disk", "integrity", "dns", "port-http", "clock"] {
            #expect(Self.level(checks, name) == "ok", "\(name): \(checks[name] ?? [:])")
        }
        #expect(Self.level(checks, "systemd") == "skip")
        // Nothing listens on the HTTPS port: both its check and the certificate's fail, with fixes.
        #expect(Self.level(checks, "port-https") == "fail")
        #expect((checks["port-https"]?["fix"] as? String ?? "").contains("--https"))
        #expect(Self.level(checks, "certificate") == "fail")
        #expect(Self.level(checks, "backup") == "warn")
        #expect((checks["backup"]?["fix"] as? String ?? "").contains("fazt backup create"))
        #expect(
            (checks["clock"]?["detail"] as? String ?? "").contains("s against"),
            "the clock is compared with the server's Date"
        )

        // After a backup the backup check passes.
        let made = try server.api("POST", "/backups")
        #expect(made.status == 201, "\(made.text)")
        let (_, after) = try Self.doctor(server)
        #expect(Self.level(after, "backup") == "ok", "\(after["backup"] ?? [:])")
        #expect(Self.level(after, "dns") == "skip", "no domain: the network checks are skipped")

        // Stopped: the file is still checked, and the server's absence is a warning with its fix.
        _ = server.stop()
        let (stoppedStatus, stopped) = try Self.doctor(server)
        #expect(stoppedStatus == 0, "warnings alone exit 0")
        #expect(Self.level(stopped, "server") == "warn")
        #expect((stopped["server"]?["fix"] as? String ?? "").contains("fazt serve"))
        #expect(Self.level(stopped, "integrity") == "ok")

        // A stored certificate that expired fails, with its fix; --offline skips the network.
        let connection = try Connection(path: server.dataPath, readOnly: false)
        _ = try connection.run(
            """
            INSERT INTO tls_certificates (name, chain, key, issuer, not_before, not_after, created_at)
            VALUES ('old.fazt.test', '', x'00', 'test', 0, 1000, 0)
            """
        )
        let (expiredStatus, out, _) = try ServerProcess.runCLI([
            "doctor", "--offline", "--data", server.dataPath, "--unit-path", server.dataPath + ".no-unit",
        ])
        #expect(expiredStatus == 1, "\(out)")
        #expect(
            out.contains("fail  certificate  old.fazt.test expired") && out.contains("fix: check that ports"),
            "\(out)"
        )
        #expect(!out.contains("clock"), "--offline skips the network checks: \(out)")
    }

    @Test func aMissingDatabaseFailsWithItsFix() throws {
        let (status, out, _) = try ServerProcess.runCLI([
            "doctor", "--data", "/nonexistent/data.db", "--unit-path", "/nonexistent/unit",
            "--acme-directory", "http://127.0.0.1:1/",
        ])
        #expect(status == 1)
        #expect(out.contains("fail  database") && out.contains("fix: pass the database with --data"), "\(out)")
    }

    /// The data file and domain come from the installed unit's ExecStart when not given.
    @Test func readsTheServiceUnitsDataAndDomain() throws {
        let server = try ServerProcess()
        let unit = server.dataPath + ".service"
        try "[Service]\nExecStart=/usr/local/bin/fazt serve --data \(server.dataPath) --port 80 --domain=localhost\n"
            .write(toFile: unit, atomically: true, encoding: .utf8)
        let (_, out, err) = try ServerProcess.runCLI([
            "doctor", "--unit-path", unit, "--http-port", String(server.port),
            "--acme-directory", "http://127.0.0.1:\(server.port)/_fazt/livez",
        ])
        let path = URL(fileURLWithPath: server.dataPath).standardizedFileURL.path
        #expect(out.contains("ok    database     \(path)"), "\(out) \(err)")
        #expect(out.contains("ok    dns          localhost"), "\(out)")
        #expect(out.contains("ok    port-http"), "\(out)")
    }

    /// A loopback port nothing listens on (bound, then released).
    static func closedPort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length)
                return getsockname(descriptor, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
