import FaztTestSupport
import Foundation
import Glibc
import Testing

/// Backups to an S3-compatible store: upload, list and restore against `moto_server` (PyPI
/// `moto[server]`, installed by `make venv`) on loopback. Skipped without it, failing when `CI` is set.
@Suite struct BackupS3Tests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
    static let moto: String? = {
        let path = root.appendingPathComponent(".venv/bin/moto_server").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// A `moto_server` on a free loopback port, killed (SIGKILL) when released.
    final class MotoServer {
        let process = Process()
        let port: Int

        init(executable: String) throws {
            port = try Self.freePort()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-H", "127.0.0.1", "-p", "\(port)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try ServerProcess.launch(process)
            // Werkzeug announces "Running on http://127.0.0.1:PORT" once it listens.
            var text = ""
            let handle = output.fileHandleForReading
            while !text.contains("Running on") {
                let data = handle.availableData
                if data.isEmpty { throw TestError("moto_server exited: \(text)") }
                text += String(decoding: data, as: UTF8.self)
            }
            // Keep draining its log so it never blocks on a full pipe.
            Thread { while !handle.availableData.isEmpty {} }.start()
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(fd, pointer, length) == 0 else { return -1 }
                    return getsockname(fd, pointer, &length)
                }
            }
            guard bound == 0 else { throw TestError("no free port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    @Test(
        .enabled(if: moto != nil || onCI, "moto_server is not in .venv: run `make venv`"),
        .timeLimit(.minutes(2))
    )
    func uploadsListsAndRestoresThroughS3() throws {
        guard let executable = Self.moto else {
            Issue.record("CI is set and moto_server is not in .venv (make venv)")
            return
        }
        let moto = try MotoServer(executable: executable)
        #expect(
            try TestHTTP.request(port: moto.port, "PUT", "/fazt-test", host: "127.0.0.1:\(moto.port)").status == 200
        )
        // S3 is the server's backup target, keeping one backup (the schedule itself is far away).
        let server = try ServerProcess(arguments: [
            "--backup-to", "s3://fazt-test/nightly", "--backup-every", "24h", "--backup-keep", "1",
        ])
        #expect(try server.deploy("bk", try ArchiveFixtures.zip(BackupTests.files)).status == 201)
        for w in ["a", "b", "c"] {
            #expect(
                try TestHTTP.request(port: server.port, "GET", "/api/write?w=\(w)", host: "bk.localhost").status == 200
            )
        }
        let settings = [
            ("BACKUP_S3_ENDPOINT", "http://127.0.0.1:\(moto.port)"), ("BACKUP_S3_REGION", "us-east-1"),
            ("BACKUP_S3_ACCESS_KEY", "testing"), ("BACKUP_S3_SECRET_KEY", "testing-secret"),
        ]
        for (name, value) in settings {
            let body = try JSONSerialization.data(withJSONObject: ["value": value])
            #expect(try server.api("PUT", "/secrets/\(name)", body: Array(body)).status == 200)
        }
        let (created, out, err) = try BackupTests.cli(server, ["create", "--to", "s3://fazt-test/nightly"])
        #expect(created == 0, "\(out)\(err)")
        let first = try #require(
            out.split(separator: "\n").first { $0.hasPrefix("at ") }.map { String($0.dropFirst(3)) }
        )
        #expect(first.hasPrefix("s3://fazt-test/nightly/fazt-backup-"), "\(out)")
        // A second one to the server's target: retention (keep 1) deletes the first from the bucket.
        let (again, secondOut, secondErr) = try BackupTests.cli(server, ["create"])
        #expect(again == 0, "\(secondOut)\(secondErr)")
        let location = try #require(
            secondOut.split(separator: "\n").first { $0.hasPrefix("at ") }.map { String($0.dropFirst(3)) }
        )
        #expect(location != first && location.hasPrefix("s3://fazt-test/nightly/fazt-backup-"), "\(secondOut)")
        let (listed, listing, listError) = try BackupTests.cli(
            server,
            ["list", "--from", "s3://fazt-test/nightly", "--json"]
        )
        #expect(listed == 0, "\(listError)")
        let list = try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any] ?? [:]
        let backups = list["backups"] as? [[String: Any]] ?? []
        #expect(backups.count == 1 && backups.first?["location"] as? String == location, "\(listing)")

        // Restore from S3 offline, with the settings in the environment.
        let restoredDirectory = try TemporaryDirectory()
        let (restored, restoreOut, restoreErr) = try ServerProcess.runCLI(
            ["backup", "restore", location, "--data", restoredDirectory.path + "/data.db"],
            environment: Dictionary(uniqueKeysWithValues: settings)
        )
        #expect(restored == 0, "\(restoreOut)\(restoreErr)")
        #expect(restoreOut.contains("SHA-256 verified"), "\(restoreOut)")
        // The copy has secrets, but not the original's key: the restore says so.
        #expect(restoreErr.contains("fazt.key"), "\(restoreErr)")
        let copy = try ServerProcess(reuse: restoredDirectory)
        let state = try TestHTTP.request(port: copy.port, "GET", "/api/verify", host: "bk.localhost").json
        #expect(Set(state["ws"] as? [String] ?? []) == ["a", "b", "c"])
    }
}
