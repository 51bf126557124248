import FaztStore
import FaztTestSupport
import Foundation
import Synchronization
import Testing

/// `fazt backup create|list|restore` and `fazt serve --backup-every` against the real binary.
@Suite struct BackupTests {
    static let files = [
        js(
            "api/write.js",
            "module.exports = (req) => ({ id: fazt.docs.insert('log', { w: req.query.w }), w: req.query.w });"
        ),
        js(
            "api/verify.js",
            "module.exports = () => ({ ws: fazt.docs.find('log', {}, { limit: 100000 }).map((d) => d.w) });"
        ),
    ]

    /// Writers that keep writing through the app until stopped; each acknowledged write is recorded
    /// with its latency and the time it was acknowledged.
    final class WriteLoad: Sendable {
        struct Ack {
            var w: String
            var at: Date
            var seconds: Double
        }
        let acks = Mutex<[Ack]>([])
        let stop = Atomic<Bool>(false)
        let group = DispatchGroup()

        init(port: Int, app: String, clients: Int = 2) {
            for client in 0..<clients {
                DispatchQueue.global().async(group: group) { [self] in
                    var n = 0
                    while !stop.load(ordering: .relaxed) {
                        n += 1
                        let w = "\(client)-\(n)"
                        let started = Date()
                        guard
                            let response = try? TestHTTP.request(
                                port: port,
                                "GET",
                                "/api/write?w=\(w)",
                                host: "\(app).localhost"
                            ), response.status == 200
                        else { continue }
                        let done = Date()
                        acks.withLock { $0.append(Ack(w: w, at: done, seconds: done.timeIntervalSince(started))) }
                    }
                }
            }
        }

        func finish() -> [Ack] {
            stop.store(true, ordering: .relaxed)
            group.wait()
            return acks.withLock { $0 }
        }

        var count: Int { acks.withLock { $0.count } }

        /// Waits (bounded) until `count` more writes than now are acknowledged.
        func waitFor(more count: Int, seconds: Double = 30) {
            let target = self.count + count
            let deadline = Date().addingTimeInterval(seconds)
            while self.count < target, Date() < deadline { usleep(5_000) }
        }

        static func p99(_ acks: some Collection<Ack>) -> Double {
            let sorted = acks.map(\.seconds).sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        }
    }

    static func cli(_ server: ServerProcess, _ arguments: [String]) throws -> (Int32, String, String) {
        try ServerProcess.runCLI(
            ["backup"] + arguments + ["--server", "http://127.0.0.1:\(server.port)", "--token", try server.token()]
        )
    }

    @Test(.timeLimit(.minutes(3)))
    func backupUnderWriteLoadRestoresEveryAcknowledgedWrite() throws {
        let server = try ServerProcess()
        let token = try server.token()
        #expect(try server.deploy("bk", try ArchiveFixtures.zip(Self.files)).status == 201)
        let load = WriteLoad(port: server.port, app: "bk")
        // Without a backup: the writers' own latency (after the worker has warmed up).
        load.waitFor(more: 50)
        let baselineStart = load.count
        load.waitFor(more: 300)
        let baselineEnd = load.count
        // Every write acknowledged before the backup starts must be in it.
        let ackedBefore = Set(load.acks.withLock { $0.map(\.w) })
        let backupStart = Date()
        let (status, out, err) = try Self.cli(server, ["create"])
        let backupEnd = Date()
        let acks = load.finish()
        #expect(status == 0, "\(out)\(err)")
        let baseline = acks[baselineStart..<baselineEnd]
        let during = acks.filter { $0.at > backupStart && $0.at <= backupEnd }
        print(
            "backup under load: \(String(format: "%.2f", backupEnd.timeIntervalSince(backupStart))) s; writer p99 "
                + "\(String(format: "%.2f", WriteLoad.p99(baseline) * 1000)) ms without, "
                + "\(String(format: "%.2f", WriteLoad.p99(during) * 1000)) ms during (\(during.count) writes)"
        )
        let location = try #require(
            out.split(separator: "\n").first { $0.hasPrefix("at ") }.map { String($0.dropFirst(3)) }
        )
        #expect(location.contains("/backups/fazt-backup-") && location.hasSuffix(".db.gz"), "\(location)")

        // The list shows it and the last result.
        let (listStatus, listed, _) = try Self.cli(server, ["list"])
        #expect(listStatus == 0 && listed.contains(URL(fileURLWithPath: location).lastPathComponent))
        #expect(listed.contains("last backup: ok"), "\(listed)")

        // Restore refuses to run over the live server's file.
        let (refused, _, refusal) = try ServerProcess.runCLI(["backup", "restore", location, "--data", server.dataPath])
        #expect(refused != 0 && refusal.contains("running fazt serve"), "\(refusal)")

        // Restore into a new directory and serve it: every write acknowledged before the backup is there.
        let restoredDirectory = try TemporaryDirectory()
        let (restored, restoreOut, restoreErr) = try ServerProcess.runCLI([
            "backup", "restore", location, "--data", restoredDirectory.path + "/data.db",
        ])
        #expect(restored == 0, "\(restoreOut)\(restoreErr)")
        #expect(restoreOut.contains("SHA-256 verified"), "\(restoreOut)")
        let copy = try ServerProcess(reuse: restoredDirectory)
        let state = try TestHTTP.request(port: copy.port, "GET", "/api/verify", host: "bk.localhost").json
        let stored = Set(state["ws"] as? [String] ?? [])
        let missing = ackedBefore.subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) of \(ackedBefore.count) acknowledged writes are missing")
        // The owner token of the backed-up server works on the copy (it is data too).
        #expect(try copy.api("GET", "/backups/status", token: token).status == 200)
    }

    @Test(.timeLimit(.minutes(2)))
    func scheduledBackupsKeepOnlyTheNewest() throws {
        let server = try ServerProcess(arguments: ["--backup-every", "1s", "--backup-keep", "2"])
        #expect(server.waitForStderr("backup taken", occurrences: 3, seconds: 30))
        #expect(server.waitForStderr("old backups deleted", seconds: 10))
        let list = try server.api("GET", "/backups")
        #expect(list.status == 200)
        let backups = list.json["backups"] as? [[String: Any]] ?? []
        #expect(backups.count == 2, "\(list.text)")
        let status = list.json["status"] as? [String: Any] ?? [:]
        #expect(status["lastOK"] as? Bool == true && status["everySeconds"] as? Int == 1 && status["keep"] as? Int == 2)
        #expect(status["ageSeconds"] is Double)
    }

    @Test func badRequestsGetClearErrors() throws {
        let server = try ServerProcess()
        let bad = try server.api("POST", "/backups", body: Array(#"{"to":"s3://X"}"#.utf8))
        #expect(bad.status == 400 && bad.text.contains("s3://BUCKET/PREFIX"), "\(bad.text)")
        let relative = try server.api("POST", "/backups", body: Array(#"{"to":"backups"}"#.utf8))
        #expect(relative.status == 400 && relative.text.contains("absolute"), "\(relative.text)")
        let noS3 = try server.api("POST", "/backups", body: Array(#"{"to":"s3://some-bucket/p"}"#.utf8))
        #expect(noS3.status == 400 && noS3.text.contains("BACKUP_S3_ENDPOINT"), "\(noS3.text)")
        let keyToS3 = try server.api(
            "POST",
            "/backups",
            body: Array(#"{"to":"s3://some-bucket","includeKey":true}"#.utf8)
        )
        #expect(keyToS3.status == 400, "\(keyToS3.text)")
        let status = try server.api("GET", "/backups/status").json
        #expect(status["lastOK"] as? Bool == false)
        // Owner-only: a scoped token is refused.
        let scoped = try server.api("POST", "/tokens", body: Array(#"{"name":"ro","apps":["*"],"preset":"read"}"#.utf8))
        let scopedToken = try #require(scoped.json["token"] as? String)
        #expect(try server.api("POST", "/backups", token: scopedToken).status == 403)
        #expect(try server.api("GET", "/backups", token: scopedToken).status == 403)
        // The owner page shows the last backup's result.
        #expect(try TestHTTP.request(port: server.port, "GET", "/_fazt/ui/home.js").text.contains("no backup yet"))
        // A second server on the same database is refused (it holds data.db.lock).
        let second = Process()
        second.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        second.arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--data", server.dataPath]
        let errors = Pipe()
        second.standardError = errors
        second.standardOutput = FileHandle.nullDevice
        try ServerProcess.launch(second)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        #expect(second.terminationStatus != 0 && text.contains("another fazt serve"), "\(text)")
        let (flags, _, flagError) = try ServerProcess.runCLI([
            "serve", "--backup-every", "6", "--data", "/nonexistent/x.db",
        ])
        #expect(flags != 0 && flagError.contains("--backup-every"), "\(flagError)")
    }
}
