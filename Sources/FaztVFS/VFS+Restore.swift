import FaztStore
import Foundation

/// What `VFS.restore` did.
public struct RestoreResult: Sendable, Equatable {
    public var app: String
    /// The version restored to (nil for a snapshot).
    public var version: Int?
    /// The snapshot restored to, if one was named.
    public var snapshot: String?
    public var data: Bool
    public var code: Bool
    /// The journal position the data went back to (when `data`).
    public var restoredTo: Int64?
    /// Row changes undone.
    public var changes: Int
    /// The journal position after the restore.
    public var journalSeq: Int64
    /// Restoring to this position undoes the restore.
    public var undoSeq: Int64
    /// The live version afterwards.
    public var live: Int?
}

/// A named data restore point (`fazt snapshot`).
public struct SnapshotInfo: Sendable, Equatable, Codable {
    public var app: String
    public var name: String
    public var seq: Int64
    public var createdAt: Int64
}

extension VFS {
    /// Remembers the journal position on a version going live (the first time only: a later
    /// rollback to it keeps the point where it first went live).
    static func stampRestorePoint(_ connection: Connection, app: String, version: Int) throws {
        try connection.run(
            "UPDATE versions SET journal_seq = ? WHERE app = ? AND n = ? AND journal_seq IS NULL",
            [.integer(try ChangeJournal.position(connection)), .text(app), .int(version)]
        )
    }

    /// Restores `app`'s code (the live pointer) and/or data to `version` (or its data to the
    /// snapshot `snapshot`), in one transaction that touches no other app.
    public func restore(
        app rawName: String,
        version: Int?,
        snapshot: String? = nil,
        seq: Int64? = nil,
        data: Bool,
        code: Bool
    ) throws -> RestoreResult {
        let app = try AppName.validate(rawName)
        guard data || code else {
            throw VFSError(.invalidName, #"nothing to restore: set "data" and/or "code" to true"#)
        }
        guard [version != nil, snapshot != nil, seq != nil].filter({ $0 }).count == 1 else {
            throw VFSError(
                .invalidName,
                #"name one restore point: "version": N, "snapshot": "name" or "seq": N (a journal position)"#
            )
        }
        if version == nil && code {
            throw VFSError(
                .invalidName,
                "a snapshot or journal position holds data only; restore code with \"version\""
            )
        }
        let now = Self.now()
        return try store.writeExclusiveBlocking { connection in
            guard try connection.queryOne("SELECT 1 FROM apps WHERE name = ?", [.text(app)], { _ in true }) != nil
            else { throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')") }
            let undo = try ChangeJournal.position(connection)
            var point: Int64?
            var manifest: String?
            if let version {
                guard
                    let row = try connection.queryOne(
                        "SELECT journal_seq, manifest FROM versions WHERE app = ? AND n = ?",
                        [.text(app), .int(version)],
                        { ($0.isNull(0) ? nil : $0.int64(0), $0.optionalString(1)) }
                    )
                else {
                    throw VFSError(
                        .versionNotFound,
                        "app '\(app)' has no version \(version) (see 'fazt apps versions \(app)')"
                    )
                }
                (point, manifest) = row
            } else if let snapshot {
                point = try connection.queryOne(
                    "SELECT seq FROM snapshots WHERE app = ? AND name = ?",
                    [.text(app), .text(snapshot)]
                ) { $0.int64(0) }
                if point == nil {
                    throw VFSError(
                        .notFound,
                        "app '\(app)' has no snapshot \"\(snapshot)\" (see 'fazt snapshot \(app) --list')"
                    )
                }
            } else if let seq {
                guard seq >= 0, seq <= undo else {
                    throw VFSError(.invalidName, "journal position \(seq) is not between 0 and the newest, \(undo)")
                }
                point = seq
            }
            var result = RestoreResult(
                app: app,
                version: version,
                snapshot: snapshot,
                data: data,
                code: code,
                restoredTo: nil,
                changes: 0,
                journalSeq: undo,
                undoSeq: undo,
                live: nil
            )
            if data {
                guard let point else {
                    throw VFSError(
                        .conflict,
                        "version \(version ?? 0) has no data restore point (it went live before data journaling); "
                            + "code-only restore possible"
                    )
                }
                guard point >= (try ChangeJournal.horizon(connection, app: app)) else {
                    throw VFSError(.conflict, "data restore point expired; code-only restore possible")
                }
                do {
                    result.changes = try ChangeJournal.restore(connection, app: app, to: point).changes
                } catch let error as StoreError {
                    throw VFSError(.conflict, error.message)
                }
                result.restoredTo = point
            }
            if code, let version {
                try connection.run(
                    "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                    [.int(version), .integer(now), .text(app)]
                )
                try GitHistory.recordRollback(connection, app: app, to: version, seconds: now / 1000)
                try self.liveVersionChanged?(connection, app, version, manifest)
            }
            if let testPause = ProcessInfo.processInfo.environment["FAZT_TEST_RESTORE_PAUSE_MS"],
                let ms = Int(testPause)
            {
                // Tests only: hold the transaction open so a kill -9 lands in the middle of it.
                FileHandle.standardError.write(Data("fazt-test: restore paused\n".utf8))
                usleep(UInt32(max(0, min(ms, 60_000))) * 1000)
            }
            try ChangeJournal.flush(connection)
            result.journalSeq = try ChangeJournal.position(connection)
            result.live =
                try connection.queryOne("SELECT live_version FROM apps WHERE name = ?", [.text(app)]) {
                    $0.optionalInt(0)
                } ?? nil
            return result
        }
    }

    /// Names the current journal position of `app` (a restore point for its data).
    public func snapshot(app rawName: String, name: String?) throws -> SnapshotInfo {
        let app = try AppName.validate(rawName)
        let now = Self.now()
        let label = name ?? "snapshot-\(now)"
        guard !label.isEmpty, label.count <= 100, !label.contains(where: { $0.isNewline }) else {
            throw VFSError(.invalidName, "a snapshot name is 1-100 characters on one line")
        }
        return try store.writeExclusiveBlocking { connection in
            guard try connection.queryOne("SELECT 1 FROM apps WHERE name = ?", [.text(app)], { _ in true }) != nil
            else { throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')") }
            let seq = try ChangeJournal.position(connection)
            try connection.run(
                """
                INSERT INTO snapshots (app, name, seq, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (app, name) DO UPDATE SET seq = excluded.seq, created_at = excluded.created_at
                """,
                [.text(app), .text(label), .integer(seq), .integer(now)]
            )
            return SnapshotInfo(app: app, name: label, seq: seq, createdAt: now)
        }
    }

    /// `app`'s snapshots, newest first.
    public func snapshots(app rawName: String) throws -> [SnapshotInfo] {
        let app = try info(app: rawName).name
        return try store.read { connection in
            try connection.query(
                "SELECT name, seq, created_at FROM snapshots WHERE app = ? ORDER BY seq DESC, name",
                [.text(app)]
            ) { SnapshotInfo(app: app, name: $0.string(0), seq: $0.int64(1), createdAt: $0.int64(2)) }
        }
    }

    /// `app`'s data journal: size and reach.
    public func journal(app rawName: String) throws -> JournalSummary {
        let app = try info(app: rawName).name
        return try store.read { try ChangeJournal.summary($0, app: app) }
    }
}
