import FaztStore
import Foundation
import Glibc
import Synchronization

/// Takes, lists and prunes backups of a live store; one backup at a time.
///
/// A backup is SQLite's online backup API in one step on a read-only connection of its own (the
/// writer keeps committing), then `PRAGMA integrity_check` on the copy, then gzip into the target
/// beside a JSON manifest. The secret key (`fazt.key`) is not in `data.db` and is not copied unless
/// asked (`includeKey`, directory targets only): a backup that leaks then reveals no secret.
public final class Backups: Sendable {
    private let store: Store
    /// Where copies are made before compression (same file system as `data.db`).
    private let workDirectory: String
    /// The default target: `backups/` beside `data.db`.
    public let defaultTarget: BackupTarget
    private let s3: @Sendable () throws -> S3Configuration
    private let running = Mutex<Bool>(false)
    /// How fast the copy reads the live database while the server is writing (16 MB/s).
    ///
    /// While the writer is idle it goes as fast as it can. Faster copies under load flood the disk
    /// with reads and write-back that the writer's WAL syncs then queue behind
    /// (`docs/performance-backup.md`). `FAZT_BACKUP_COPY_MBPS` overrides it, for tuning on other
    /// disks; 0: never paced.
    public static let copyBytesPerSecond = rate("FAZT_BACKUP_COPY_MBPS", default: 16)
    /// How fast gzip reads the copy while the server is writing (12 MB/s; full speed while it is
    /// not); the compressed file goes to the disk 8 MB at a time with at most 16 MB in flight
    /// (`FAZT_BACKUP_COMPRESS_MBPS` overrides the rate; 0: never paced).
    public static let compressBytesPerSecond = rate("FAZT_BACKUP_COMPRESS_MBPS", default: 12)

    private static func rate(_ variable: String, default megabytes: Int) -> Int {
        (ProcessInfo.processInfo.environment[variable].flatMap(Int.init) ?? megabytes) << 20
    }
    private let lastSecond = Mutex<Int64>(0)

    /// `s3` reads the S3 settings when an `s3://` target is used (the owner's global secrets).
    public init(store: Store, workDirectory: String, s3: @escaping @Sendable () throws -> S3Configuration) {
        self.store = store
        self.workDirectory = workDirectory
        self.defaultTarget = .directory(
            URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent("backups").path
        )
        self.s3 = s3
    }

    /// The path of the secret key file that encrypts `databasePath`'s secrets.
    public static func keyPath(databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("fazt.key").path
    }

    /// The stored status of the last backup.
    public func status() throws -> BackupStatus { try BackupStatus.load(store) }

    /// Takes a backup into `target` (default: `backups/` beside `data.db`) and records the
    /// outcome; blocking, refuses (busy) while another backup runs.
    public func create(target: BackupTarget? = nil, includeKey: Bool = false) throws -> BackupManifest {
        let target = target ?? defaultTarget
        let acquired = running.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard acquired else {
            throw BackupError(.busy, "a backup is already running; wait for it to finish and try again")
        }
        defer { running.withLock { $0 = false } }
        // A refused request is not a failed backup: the last result stands.
        try checkKeyRequest(target: target, includeKey: includeKey)
        var status = (try? BackupStatus.load(store)) ?? BackupStatus()
        do {
            let manifest = try make(target: target, includeKey: includeKey)
            status.lastAt = WallClockMillis.now()
            status.lastOK = true
            status.lastError = nil
            status.lastSuccessAt = manifest.createdAt
            status.lastName = manifest.name
            status.lastBytes = manifest.bytes
            status.lastDurationMs = manifest.durationMs
            status.lastTarget = target.description
            try? status.save(store)
            return manifest
        } catch {
            status.lastAt = WallClockMillis.now()
            status.lastOK = false
            status.lastError = "\(error)"
            status.lastTarget = target.description
            try? status.save(store)
            throw error
        }
    }

    private func checkKeyRequest(target: BackupTarget, includeKey: Bool) throws {
        let keyFile = Self.keyPath(databasePath: store.path)
        if includeKey {
            guard case .directory = target else {
                throw BackupError(
                    .invalidArgument,
                    "--include-key works only with a directory target: the key must not travel with the data to S3"
                )
            }
            guard ProcessInfo.processInfo.environment["FAZT_SECRET_KEY"] == nil else {
                throw BackupError(
                    .invalidArgument,
                    "the secret key comes from FAZT_SECRET_KEY: back it up where you keep that variable, not with --include-key"
                )
            }
            guard FileManager.default.fileExists(atPath: keyFile) else {
                throw BackupError(.notFound, "there is no \(keyFile) to include")
            }
        }
    }

    private func make(target: BackupTarget, includeKey: Bool) throws -> BackupManifest {
        let keyFile = Self.keyPath(databasePath: store.path)
        // S3 settings first: missing secrets fail before seconds of copying.
        var client: S3Client?
        if case .s3(let bucket, _) = target { client = S3Client(configuration: try s3(), bucket: bucket) }
        let started = DispatchTime.now().uptimeNanoseconds
        let createdAt = nextSecond()
        let name = BackupManifest.name(at: createdAt)
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let raw = "\(workDirectory)/\(name).copy"
        let packed = "\(workDirectory)/\(name).partial"
        defer {
            for path in [raw, raw + "-journal", packed] { unlink(path) }
        }
        func elapsed(since start: UInt64) -> Int64 { Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000) }
        let schema = try store.backup(into: raw, bytesPerSecond: Self.copyBytesPerSecond)
        let copied = DispatchTime.now().uptimeNanoseconds
        let check = try Connection(path: raw, readOnly: true).integrityCheck()
        guard check == "ok" else { throw BackupError(.corrupt, "the copy failed its integrity check: \(check)") }
        let checked = DispatchTime.now().uptimeNanoseconds
        let activity = WriterActivity(store: store)
        let packedResult = try GzipFile.compress(raw, to: packed) {
            activity.isBusy() ? Self.compressBytesPerSecond : nil
        }
        var manifest = BackupManifest(
            name: name,
            createdAt: createdAt,
            schemaVersion: schema,
            databaseBytes: packedResult.bytesIn,
            bytes: packedResult.bytesOut,
            sha256: packedResult.sha256,
            keyIncluded: includeKey,
            durationMs: 0
        )
        manifest.durationMs = elapsed(since: started)
        manifest.copyMs = Int64((copied - started) / 1_000_000)
        manifest.checkMs = Int64((checked - copied) / 1_000_000)
        manifest.compressMs = elapsed(since: checked)
        switch target {
        case .directory(let directory):
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            let final = "\(directory)/\(name)"
            guard rename(packed, final) == 0 else {
                throw BackupError(.io, "cannot move the backup to \(final): \(String(cString: strerror(errno)))")
            }
            if includeKey {
                let key = try Data(contentsOf: URL(fileURLWithPath: keyFile))
                try Self.writeFile("\(directory)/\(Self.keyName(name))", Array(key), mode: 0o600)
            }
            try Self.writeFile("\(directory)/\(name).json", try manifest.encoded(), mode: 0o600)
            RawFile.syncDirectory(of: final)
        case .s3(_, let prefix):
            guard let client else { break }
            try client.put(key: BackupTarget.key(prefix: prefix, name: name), file: packed, sha256: manifest.sha256)
            let manifestPath = packed + ".json"
            defer { unlink(manifestPath) }
            let bytes = try manifest.encoded()
            try Self.writeFile(manifestPath, bytes, mode: 0o600)
            try client.put(
                key: BackupTarget.key(prefix: prefix, name: name + ".json"),
                file: manifestPath,
                sha256: SHA256Hasher.digest(bytes).hex
            )
        }
        return manifest
    }

    /// The backups at `target`, oldest first.
    public func list(target: BackupTarget? = nil) throws -> [BackupEntry] {
        try Self.list(target ?? defaultTarget, s3: s3)
    }

    /// Deletes the oldest backups at `target` beyond the newest `keep`; returns their names.
    @discardableResult
    public func prune(target: BackupTarget? = nil, keep: Int) throws -> [String] {
        let target = target ?? defaultTarget
        let entries = try list(target: target)
        guard keep >= 1, entries.count > keep else { return [] }
        let doomed = entries.prefix(entries.count - keep).map(\.name)
        for name in doomed {
            switch target {
            case .directory(let directory):
                for file in [name, name + ".json", Self.keyName(name)] { unlink("\(directory)/\(file)") }
            case .s3(let bucket, let prefix):
                let client = S3Client(configuration: try s3(), bucket: bucket)
                try client.delete(key: BackupTarget.key(prefix: prefix, name: name))
                try? client.delete(key: BackupTarget.key(prefix: prefix, name: name + ".json"))
            }
        }
        return doomed
    }

    static func list(_ target: BackupTarget, s3: () throws -> S3Configuration) throws -> [BackupEntry] {
        var entries: [BackupEntry] = []
        switch target {
        case .directory(let directory):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where BackupManifest.isBackupName(name) {
                let path = "\(directory)/\(name)"
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? nil
                let manifest = FileManager.default.contents(atPath: path + ".json").flatMap {
                    try? JSONDecoder().decode(BackupManifest.self, from: $0)
                }
                entries.append(
                    BackupEntry(
                        name: name,
                        location: path,
                        bytes: size ?? manifest?.bytes ?? 0,
                        createdAt: manifest?.createdAt ?? BackupEntry.time(ofName: name) ?? 0,
                        schemaVersion: manifest?.schemaVersion,
                        sha256: manifest?.sha256,
                        keyIncluded: FileManager.default.fileExists(atPath: "\(directory)/\(keyName(name))")
                    )
                )
            }
        case .s3(let bucket, let prefix):
            let client = S3Client(configuration: try s3(), bucket: bucket)
            for object in try client.list(prefix: prefix.isEmpty ? "" : prefix + "/") {
                let name = String(object.key.split(separator: "/").last ?? "")
                guard BackupManifest.isBackupName(name), object.key == BackupTarget.key(prefix: prefix, name: name)
                else { continue }
                entries.append(
                    BackupEntry(
                        name: name,
                        location: "s3://\(bucket)/\(object.key)",
                        bytes: object.size,
                        createdAt: BackupEntry.time(ofName: name) ?? 0,
                        keyIncluded: false
                    )
                )
            }
        }
        return entries.sorted { $0.name < $1.name }
    }

    /// `fazt-backup-<time>.key`: the key file saved beside a backup with `includeKey`.
    static func keyName(_ name: String) -> String { String(name.dropLast(BackupManifest.suffix.count)) + ".key" }

    /// The current time in ms, moved past the previous backup's second so names never collide.
    private func nextSecond() -> Int64 {
        while true {
            let now = WallClockMillis.now()
            let ok = lastSecond.withLock { last in
                guard now / 1000 > last else { return false }
                last = now / 1000
                return true
            }
            if ok { return now }
            usleep(UInt32(1000 - now % 1000) * 1000 + 1000)
        }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
        let partial = path + ".partial"
        unlink(partial)
        do {
            let file = try RawFile(creating: partial, mode: mode)
            try bytes.withUnsafeBytes { try file.write($0) }
            try file.sync()
        }
        guard rename(partial, path) == 0 else { throw RawFile.error("cannot write", path) }
    }
}

/// Wall-clock milliseconds since 1970.
enum WallClockMillis {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
