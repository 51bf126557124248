import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztBackup

@Suite struct BackupsTests {
    private func store(in directory: TemporaryDirectory, rows: Int = 200) throws -> Store {
        var configuration = StoreConfiguration()
        configuration.syncsWAL = false
        let store = try Store(path: directory.path + "/data.db", configuration: configuration)
        try store.writeBlocking { connection in
            try connection.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
            for i in 0..<rows { try connection.run("INSERT INTO t (v) VALUES (?)", [.text("row \(i)")]) }
        }
        return store
    }

    private func noS3() throws -> S3Configuration { throw BackupError(.invalidArgument, "no S3 here") }

    @Test func createsACompressedCheckedBackupThatGunzipReads() throws {
        let directory = try TemporaryDirectory()
        let store = try store(in: directory)
        defer { store.close() }
        let backups = Backups(store: store, workDirectory: directory.path + "/work", s3: noS3)
        let manifest = try backups.create()
        #expect(BackupManifest.isBackupName(manifest.name))
        #expect(manifest.schemaVersion == Store.knownSchemaVersion)
        #expect(manifest.bytes > 0 && manifest.bytes < manifest.databaseBytes)
        let file = directory.path + "/backups/" + manifest.name
        #expect(FileManager.default.fileExists(atPath: file + ".json"))
        #expect(!manifest.keyIncluded)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/backups/" + Backups.keyName(manifest.name)))
        // The file is plain gzip: the system's gunzip opens it, and it holds a SQLite database.
        let unpacked = directory.path + "/unpacked.db"
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gunzip.arguments = ["-c", "gunzip -c '\(file)' > '\(unpacked)'"]
        try gunzip.run()
        gunzip.waitUntilExit()
        #expect(gunzip.terminationStatus == 0)
        let copy = try Connection(path: unpacked, readOnly: true)
        #expect(try copy.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 200)
        let status = try backups.status()
        #expect(status.lastOK == true && status.lastName == manifest.name && status.lastBytes == manifest.bytes)
        #expect(try backups.list().map(\.name) == [manifest.name])
    }

    @Test func includesTheKeyOnlyWhenAskedAndOnlyInADirectory() throws {
        let directory = try TemporaryDirectory()
        let store = try store(in: directory, rows: 1)
        defer { store.close() }
        let key = [UInt8](repeating: 7, count: 32)
        FileManager.default.createFile(atPath: directory.path + "/fazt.key", contents: Data(key))
        let backups = Backups(store: store, workDirectory: directory.path + "/work", s3: noS3)
        let manifest = try backups.create(includeKey: true)
        let keyFile = directory.path + "/backups/" + Backups.keyName(manifest.name)
        #expect(FileManager.default.contents(atPath: keyFile) == Data(key))
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: BackupError.self) {
            try backups.create(target: .s3(bucket: "bucket", prefix: ""), includeKey: true)
        }
        // A refused request is not a failed backup.
        #expect(try backups.status().lastOK == true)
    }

    @Test func prunesTheOldestBeyondKeep() throws {
        let directory = try TemporaryDirectory()
        let store = try store(in: directory, rows: 1)
        defer { store.close() }
        let backups = Backups(store: store, workDirectory: directory.path + "/work", s3: noS3)
        var names: [String] = []
        for _ in 0..<3 { names.append(try backups.create().name) }
        #expect(names == names.sorted() && Set(names).count == 3)
        #expect(try backups.prune(keep: 2) == [names[0]])
        #expect(try backups.list().map(\.name) == Array(names.suffix(2)))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/backups/\(names[0]).json"))
    }

    @Test func restoresOverAStoppedDatabaseAndRefusesALiveOne() throws {
        let directory = try TemporaryDirectory()
        let store = try store(in: directory, rows: 10)
        let backups = Backups(store: store, workDirectory: directory.path + "/work", s3: noS3)
        let manifest = try backups.create()
        try store.writeBlocking { try $0.run("INSERT INTO t (v) VALUES ('after the backup')") }
        store.close()
        let target = directory.path + "/data.db"
        let file = directory.path + "/backups/" + manifest.name
        // A WAL left behind by a server that died: its frames belong to the old file, never to the restored one.
        do {
            let raw = try Connection(path: target, readOnly: false)
            try raw.execute("PRAGMA wal_autocheckpoint=0")
            try raw.run("INSERT INTO t (v) VALUES ('only in the WAL')")
            try FileManager.default.copyItem(atPath: target + "-wal", toPath: directory.path + "/saved-wal")
        }
        _ = try? FileManager.default.removeItem(atPath: target + "-wal")
        try FileManager.default.moveItem(atPath: directory.path + "/saved-wal", toPath: target + "-wal")
        // A live server holds the lock: the restore is refused and nothing changes.
        do {
            let held = try #require(try DatabaseLock.acquire(databasePath: target))
            #expect(try DatabaseLock.isHeld(databasePath: target))
            #expect(throws: BackupError.self) { try BackupRestorer.restore(source: file, dataPath: target, s3: noS3) }
            withExtendedLifetime(held) {}
        }
        #expect(try !DatabaseLock.isHeld(databasePath: target))
        let report = try BackupRestorer.restore(source: file, dataPath: target, s3: noS3)
        #expect(report.checksumVerified && report.schemaVersion == Store.knownSchemaVersion)
        // The stale WAL is gone (a read-only open may leave an empty one, which replays nothing).
        let wal = (try? FileManager.default.attributesOfItem(atPath: target + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        let restored = try Connection(path: target, readOnly: true)
        #expect(try restored.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 10)
        // The replaced file is kept, with the write made after the backup.
        let previous = try Connection(path: try #require(report.previous), readOnly: true)
        #expect(try previous.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 12)
    }

    @Test func refusesADamagedBackup() throws {
        let directory = try TemporaryDirectory()
        let store = try store(in: directory, rows: 10)
        let backups = Backups(store: store, workDirectory: directory.path + "/work", s3: noS3)
        let manifest = try backups.create()
        store.close()
        let file = directory.path + "/backups/" + manifest.name
        var bytes = try #require(FileManager.default.contents(atPath: file))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect(throws: BackupError.self) {
            try BackupRestorer.restore(source: file, dataPath: directory.path + "/data.db", s3: noS3)
        }
        let untouched = try Connection(path: directory.path + "/data.db", readOnly: true)
        #expect(try untouched.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 10)
    }

    @Test func schedulesFromTheLastAttempt() throws {
        #expect(try BackupSchedule.parseInterval("6h") == 21_600_000)
        #expect(try BackupSchedule.parseInterval("2s") == 2000)
        #expect(throws: BackupError.self) { try BackupSchedule.parseInterval("6") }
        #expect(throws: BackupError.self) { try BackupSchedule.parseInterval("0h") }
        #expect(BackupSchedule.nextRun(lastAttempt: nil, started: 1000, every: 500, now: 1000) == 1500)
        #expect(BackupSchedule.nextRun(lastAttempt: 2000, started: 1000, every: 500, now: 2100) == 2500)
        #expect(BackupSchedule.nextRun(lastAttempt: 0, started: 1000, every: 500, now: 9000) == 9000)
    }

    @Test func namesSortByTimeAndParseBack() throws {
        let millis: Int64 = 1_796_061_600_000  // 2026-11-30T18:00:00Z
        let name = BackupManifest.name(at: millis)
        #expect(name == "fazt-backup-20261130T180000Z.db.gz")
        #expect(BackupEntry.time(ofName: name) == millis)
        #expect(!BackupManifest.isBackupName("fazt-backup-x.db.gz"))
        #expect(try BackupTarget.parse("s3://my-bucket/a/b/") == .s3(bucket: "my-bucket", prefix: "a/b"))
        #expect(throws: BackupError.self) { try BackupTarget.parse("s3://X/") }
    }
}

@Suite struct UTCTimeTests {
    @Test func splitsInstantsLikeTheCalendar() {
        #expect(UTCTime(secondsSince1970: 0).basic == "19700101T000000Z")
        #expect(UTCTime(secondsSince1970: 951_782_400).basic == "20000229T000000Z")
        #expect(UTCTime(secondsSince1970: 1_796_061_659).basic == "20261130T180059Z")
        #expect(UTCTime(secondsSince1970: 4_102_444_799).basic == "20991231T235959Z")
    }
}
