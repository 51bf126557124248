import FaztTestSupport
import Foundation
import Glibc

/// Debian's `pebble` ACME test CA and `pebble-challtestsrv` (its DNS, answering 127.0.0.1 for every
/// name) on loopback, with their own TLS certificate made by openssl; nonce rejection on (50%).
///
/// Pebble validates HTTP-01 on `httpPort`: the port fazt's plain listener will bind.
final class PebbleCA: @unchecked Sendable {
    // Safe: set in init, read only after.
    static let binary = "/usr/bin/pebble"
    static let challengeServer = "/usr/bin/pebble-challtestsrv"
    static let isInstalled =
        FileManager.default.isExecutableFile(atPath: binary)
        && FileManager.default.isExecutableFile(atPath: challengeServer)

    let directory: TemporaryDirectory
    let port: Int
    let managementPort: Int
    let dnsPort: Int
    let challengeManagementPort: Int
    private var processes: [Process] = []

    var directoryURL: String { "https://127.0.0.1:\(port)/dir" }
    /// Pebble's own TLS certificate: what `--acme-ca-file` trusts.
    var caFile: String { directory.path + "/pebble-cert.pem" }

    init(httpPort: Int) throws {
        directory = try TemporaryDirectory()
        port = try Self.freePort()
        managementPort = try Self.freePort()
        dnsPort = try Self.freePort()
        challengeManagementPort = try Self.freePort()
        let made = try ServerProcess.runScript(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", "pebble-key.pem", "-out", "pebble-cert.pem", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ],
            in: URL(fileURLWithPath: directory.path)
        )
        guard made.status == 0 else { throw TestError("openssl: \(made.output)") }
        let config = """
            {"pebble": {"listenAddress": "127.0.0.1:\(port)", "managementListenAddress": "127.0.0.1:\(managementPort)",
              "certificate": "\(directory.path)/pebble-cert.pem", "privateKey": "\(directory.path)/pebble-key.pem",
              "httpPort": \(httpPort), "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """
        try config.write(toFile: directory.path + "/pebble.json", atomically: true, encoding: .utf8)
        try start(
            Self.challengeServer,
            [
                "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", "127.0.0.1:\(challengeManagementPort)", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
            ],
            environment: [:],
            readyLine: "Starting management server"
        )
        try start(
            Self.binary,
            ["-config", directory.path + "/pebble.json", "-dnsserver", "127.0.0.1:\(dnsPort)", "-strict"],
            environment: ["PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "50"],
            readyLine: "ACME directory available at"
        )
    }

    /// Starts a child and reads its output until `readyLine` appears (its readiness signal).
    private func start(_ path: String, _ arguments: [String], environment: [String: String], readyLine: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try ServerProcess.launch(process)
        processes.append(process)
        var text = ""
        while !text.contains(readyLine) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { throw TestError("\(path) exited before it was ready: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        // Keep draining so the child never blocks on a full pipe.
        let handle = output.fileHandleForReading
        Thread {
            while !handle.availableData.isEmpty {}
        }.start()
    }

    /// Pebble's issuing root, for verifying certificates it issued.
    func rootPEM() throws -> String {
        let fetched = try ServerProcess.runScript(
            "/usr/bin/curl",
            ["-sS", "--cacert", caFile, "https://127.0.0.1:\(managementPort)/roots/0"],
            in: URL(fileURLWithPath: directory.path)
        )
        guard fetched.status == 0, fetched.output.contains("BEGIN CERTIFICATE") else {
            throw TestError("cannot fetch Pebble's root: \(fetched.output)")
        }
        return fetched.output
    }

    /// A port nothing listens on now (bound to 0, read, closed).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw TestError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Kills Pebble and its DNS server (the CA becomes unreachable).
    func stop() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
