/// What a data restore did.
public struct DataRestoreOutcome: Sendable, Equatable {
    /// Journal entries undone (row changesets and schema entries).
    public var entries: Int
    /// Row changes undone.
    public var changes: Int
}

extension ChangeJournal {
    /// The oldest journal position `app`'s data can still be restored to (entries at or below
    /// it were pruned); 0 when nothing was pruned.
    public static func horizon(_ connection: Connection, app: String) throws -> Int64 {
        try connection.queryOne("SELECT seq FROM journal_pruned WHERE app = ?", [.text(app)]) { $0.int64(0) } ?? 0
    }

    /// Puts `app`'s data back as it was at journal position `seq`.
    ///
    /// Data is kv, documents, blobs, its SQL tables and their schema. It runs inside the caller's
    /// transaction and applies the inverse of every later entry, newest first. The restore's own changes are journaled too (when this
    /// connection journals), so restoring to the position before it undoes it.
    public static func restore(_ connection: Connection, app: String, to seq: Int64) throws -> DataRestoreOutcome {
        let entries = try connection.query(
            "SELECT kind, changeset FROM journal WHERE app = ? AND seq > ? ORDER BY seq",
            [.text(app), .integer(seq)]
        ) { ($0.string(0), $0.bytes(1)) }
        var outcome = DataRestoreOutcome(entries: entries.count, changes: 0)
        try connection.recordingChanges(of: app) {
            var run: [Changeset] = []
            func undoRun() throws {
                guard !run.isEmpty else { return }
                let inverse = try Changeset.combined(run).inverted()
                outcome.changes += try inverse.count()
                try inverse.apply(on: connection)
                run.removeAll()
            }
            for (kind, bytes) in entries.reversed() {
                if kind == "schema" {
                    try undoRun()
                    let entry = try SchemaEntry(decoding: bytes)
                    try connection.willChangeSchema(app: app, tables: entry.tables.map(\.name))
                    try entry.restore(on: connection)
                } else {
                    run.insert(Changeset(bytes: bytes), at: 0)
                }
            }
            try undoRun()
        }
        return outcome
    }

    /// Writes what the current transaction queued to the journal now (so `position` counts it).
    public static func flush(_ connection: Connection) throws {
        try connection.journal?.flush(connection)
    }

    /// Prunes the journal; returns how many entries it removed.
    ///
    /// Removes entries older than `before` (ms) and, per app, the oldest entries beyond
    /// `maxBytes`. Restores to pruned points are refused.
    @discardableResult
    public static func prune(_ connection: Connection, before: Int64, maxBytes: Int64) throws -> Int {
        var cutoffs: [String: Int64] = [:]
        for (app, seq) in try connection.query(
            "SELECT app, MAX(seq) FROM journal WHERE at < ? GROUP BY app",
            [.integer(before)],
            { ($0.string(0), $0.int64(1)) }
        ) {
            cutoffs[app] = seq
        }
        let heavy = try connection.query(
            "SELECT app FROM journal GROUP BY app HAVING SUM(length(changeset)) > ?",
            [.integer(maxBytes)]
        ) { $0.string(0) }
        for app in heavy {
            // Keep the newest entries that fit in maxBytes.
            var total: Int64 = 0
            var cutoff: Int64?
            for (seq, size) in try connection.query(
                "SELECT seq, length(changeset) FROM journal WHERE app = ? ORDER BY seq DESC",
                [.text(app)],
                { ($0.int64(0), $0.int64(1)) }
            ) {
                total += size
                if total > maxBytes {
                    cutoff = seq
                    break
                }
            }
            if let cutoff { cutoffs[app] = max(cutoffs[app] ?? 0, cutoff) }
        }
        var removed = 0
        for (app, cutoff) in cutoffs {
            removed += try connection.run(
                "DELETE FROM journal WHERE app = ? AND seq <= ?",
                [.text(app), .integer(cutoff)]
            )
            try connection.run(
                """
                INSERT INTO journal_pruned (app, seq) VALUES (?, ?)
                ON CONFLICT (app) DO UPDATE SET seq = max(seq, excluded.seq)
                """,
                [.text(app), .integer(cutoff)]
            )
        }
        return removed
    }

    /// Deletes `app`'s journal and snapshots (on app delete).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        try connection.run("DELETE FROM journal WHERE app = ?", [.text(app)])
        try connection.run("DELETE FROM journal_pruned WHERE app = ?", [.text(app)])
        try connection.run("DELETE FROM snapshots WHERE app = ?", [.text(app)])
    }

    /// `app`'s journal: entries, bytes, and the oldest position its data can be restored to.
    public static func summary(_ connection: Connection, app: String) throws -> JournalSummary {
        let row = try connection.queryOne(
            "SELECT COUNT(*), COALESCE(SUM(length(changeset)), 0), MIN(at) FROM journal WHERE app = ?",
            [.text(app)]
        ) { ($0.int(0), $0.int64(1), $0.isNull(2) ? nil : $0.int64(2)) }
        return JournalSummary(
            entries: row?.0 ?? 0,
            bytes: row?.1 ?? 0,
            oldestAt: row?.2 ?? nil,
            horizon: try horizon(connection, app: app),
            position: try position(connection)
        )
    }
}

/// Size and reach of one app's data journal.
public struct JournalSummary: Sendable, Equatable {
    public var entries: Int
    public var bytes: Int64
    /// When the oldest retained entry was written (ms), if any.
    public var oldestAt: Int64?
    /// The oldest restorable journal position.
    public var horizon: Int64
    /// The journal's newest position (all apps).
    public var position: Int64
}
