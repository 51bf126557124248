import FaztTestSupport
import Foundation
import Glibc
import Testing

/// `fazt service`: the hardened unit passes `systemd-analyze verify` and scores ≤ 2.0 in
/// `systemd-analyze security --offline=yes`; `fazt serve` tells systemd it is ready and pings the
/// watchdog (`sd_notify` datagrams).
@Suite struct ServiceTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    static func run(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
        try ServerProcess.runScript(path, arguments, in: URL(fileURLWithPath: NSTemporaryDirectory()))
    }

    @Test func theUnitIsValidAndHardened() throws {
        let directory = try TemporaryDirectory()
        let unit = directory.path + "/fazt.service"
        let (status, out, error) = try ServerProcess.runCLI([
            "service", "install", "--no-start", "--unit-path", unit, "--binary", ServerProcess.binaryPath,
            "--domain", "example.com", "--port", "8080",
        ])
        #expect(status == 0 && out.contains("wrote \(unit)"), "\(out)\(error)")
        let text = try String(contentsOfFile: unit, encoding: .utf8)
        #expect(text.contains("ExecStart=\(ServerProcess.binaryPath) serve --data /var/lib/fazt/data.db --port 8080"))
        #expect(
            text.contains("Type=notify") && text.contains("DynamicUser=yes") && text.contains("StateDirectory=fazt")
        )
        #expect(!text.contains("MemoryDenyWriteExecute"), "JavaScriptCore's JIT needs W+X pages")
        guard FileManager.default.isExecutableFile(atPath: Self.analyze) else {
            #expect(!Self.onCI, "systemd-analyze is missing (make test installs the systemd package)")
            return
        }
        let (verified, verifyOutput) = try Self.run(Self.analyze, ["verify", unit])
        #expect(verified == 0, "\(verifyOutput)")
        let (_, security) = try Self.run(Self.analyze, ["security", "--offline=yes", unit])
        let line = security.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let score = line.split(separator: " ").compactMap { Double($0) }.first
        #expect(score != nil && score! <= 2.0, "\(line)")
    }

    @Test func httpsNeedsADomainAndAnEmailAndRelativePathsAreRefused() throws {
        let noDomain = try ServerProcess.runCLI(["service", "unit", "--https", "--email", "me@example.com"])
        #expect(noDomain.0 != 0 && noDomain.2.contains("--https needs --domain"), "\(noDomain)")
        let noEmail = try ServerProcess.runCLI(["service", "unit", "--https", "--domain", "example.com"])
        #expect(noEmail.0 != 0 && noEmail.2.contains("--https needs --email"), "\(noEmail)")
        let https = try ServerProcess.runCLI([
            "service", "unit", "--https", "--domain", "example.com", "--email", "me@example.com",
        ])
        #expect(https.0 == 0 && https.1.contains("--domain example.com --https --email me@example.com"), "\(https)")
        #expect(https.1.contains("AmbientCapabilities=CAP_NET_BIND_SERVICE"))
        let relative = try ServerProcess.runCLI(["service", "unit", "--data", "data.db"])
        #expect(relative.0 != 0 && relative.2.contains("absolute"), "\(relative)")
    }

    @Test func serveTellsSystemdItIsReadyAndPingsTheWatchdog() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/notify.sock"
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let server = try ServerProcess(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = recv(socket, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        }
        let ready = receive()
        #expect(ready.contains("READY=1") && ready.contains("port \(server.port)"), "\(ready)")
        #expect(receive() == "WATCHDOG=1")
        _ = server.stop()
        var last = ""
        for _ in 0..<20 {
            last = receive()
            if last == "STOPPING=1" || last.isEmpty { break }
        }
        #expect(last == "STOPPING=1")
    }
}
