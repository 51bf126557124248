import FaztStore
import Foundation
import Glibc

/// Puts a backup in place of a database file that no server is using.
///
/// Steps: take the database's lock (refused while `fazt serve` holds it); fetch the backup (S3) and
/// check its SHA-256 against its manifest when one is at hand; decompress beside `data.db`;
/// `integrity_check` and the schema version on the copy; fold the old file's WAL into it and keep
/// it as `data.db.pre-restore`; rename the copy over `data.db`; delete the stale `-wal`/`-shm`
/// (SQLite would otherwise replay the old WAL onto the restored file); open it again to verify.
public enum BackupRestorer {
    /// What a restore did.
    public struct Report: Sendable {
        public var name: String
        public var schemaVersion: Int
        public var databaseBytes: Int64
        /// Where the replaced database was kept, if there was one.
        public var previous: String?
        /// Whether a manifest's checksum was verified.
        public var checksumVerified: Bool
    }

    /// Restores `source` (a `.db.gz` path or an `s3://bucket/key` URL) into `dataPath`.
    public static func restore(
        source: String,
        dataPath: String,
        s3: () throws -> S3Configuration
    ) throws -> Report {
        let directory = URL(fileURLWithPath: dataPath).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let lock = try DatabaseLock.acquire(databasePath: dataPath) else {
            throw BackupError(
                .busy,
                "a running fazt serve holds \(dataPath): stop it first (restore swaps the file under it otherwise)"
            )
        }
        defer { withExtendedLifetime(lock) {} }
        let name = String(source.split(separator: "/").last ?? "")
        var local = source
        var manifest: BackupManifest?
        let fetched = dataPath + ".restore-download"
        defer { unlink(fetched) }
        if source.hasPrefix("s3://") {
            guard case .s3(let bucket, let key) = try BackupTarget.parse(source), !key.isEmpty else {
                throw BackupError(.invalidArgument, "write the backup as s3://BUCKET/KEY (got '\(source)')")
            }
            let client = S3Client(configuration: try s3(), bucket: bucket)
            unlink(fetched)
            let manifestPath = fetched + ".json"
            defer { unlink(manifestPath) }
            if (try? client.get(key: key + ".json", into: manifestPath)) != nil {
                manifest = FileManager.default.contents(atPath: manifestPath).flatMap {
                    try? JSONDecoder().decode(BackupManifest.self, from: $0)
                }
            }
            try client.get(key: key, into: fetched)
            local = fetched
        } else {
            guard FileManager.default.fileExists(atPath: source) else {
                throw BackupError(.notFound, "no backup at \(source): give a .db.gz file from 'fazt backup list'")
            }
            manifest = FileManager.default.contents(atPath: source + ".json").flatMap {
                try? JSONDecoder().decode(BackupManifest.self, from: $0)
            }
        }
        let staged = dataPath + ".restore-tmp"
        for path in [staged, staged + "-wal", staged + "-shm", staged + "-journal"] { unlink(path) }
        var keepStaged = false
        defer { if !keepStaged { unlink(staged) } }
        let unpacked = try GzipFile.decompress(local, to: staged)
        if let manifest, manifest.sha256 != unpacked.sha256 {
            throw BackupError(
                .corrupt,
                "\(name) does not match its manifest (SHA-256 \(unpacked.sha256), expected \(manifest.sha256)): "
                    + "the file is damaged or was changed"
            )
        }
        let schema = try verify(staged)
        // The replaced database: fold its WAL in (so nothing acknowledged stays only in a WAL that
        // is about to be deleted) and keep it beside.
        var previous: String?
        if FileManager.default.fileExists(atPath: dataPath) {
            do {
                let old = try Connection(path: dataPath, readOnly: false)
                try old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            let kept = dataPath + ".pre-restore"
            unlink(kept)
            guard rename(dataPath, kept) == 0 else { throw RawFile.error("cannot move aside", dataPath) }
            previous = kept
        }
        for suffix in ["-wal", "-shm", "-journal"] { unlink(dataPath + suffix) }
        guard rename(staged, dataPath) == 0 else { throw RawFile.error("cannot move the restored file to", dataPath) }
        keepStaged = true
        RawFile.syncDirectory(of: dataPath)
        let reopened = try verify(dataPath)
        guard reopened == schema else { throw BackupError(.corrupt, "\(dataPath) changed while it was restored") }
        return Report(
            name: name,
            schemaVersion: schema,
            databaseBytes: unpacked.bytesOut,
            previous: previous,
            checksumVerified: manifest != nil
        )
    }

    /// Opens `path`, checks its integrity and that this fazt knows its schema; returns the version.
    static func verify(_ path: String) throws -> Int {
        let schema: Int
        do {
            let connection = try Connection(path: path, readOnly: true)
            let check = try connection.integrityCheck()
            guard check == "ok" else {
                throw BackupError(.corrupt, "the restored database fails its integrity check: \(check)")
            }
            schema = try connection.schemaVersion()
        } catch let error as StoreError {
            throw BackupError(.corrupt, "the backup is not a usable SQLite database: \(error.message)")
        }
        guard schema <= Store.knownSchemaVersion else {
            throw BackupError(
                .invalidArgument,
                "the backup has schema version \(schema), but this fazt knows only \(Store.knownSchemaVersion): "
                    + "restore it with a newer fazt"
            )
        }
        return schema
    }
}
