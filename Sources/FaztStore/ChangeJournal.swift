import CSQLite
import Foundation

/// Records every change each app makes to its data as a per-app journal of changesets, written in
/// the same transaction as the changes (the writer connection only).
///
/// While an app's storage call runs (`Connection.recordingChanges`), that app's session records
/// the kernel storage tables (`kv`, `docs`, `stored_blobs`) and the app's own SQL tables; before
/// the transaction commits, `flush` appends one `journal` row per touched app. A statement that
/// changes an app table's schema first closes the app's session and queues a schema entry
/// (`SchemaEntry`), so the journal stays in order across DDL. Nothing is written to the database
/// until `flush`, so a savepoint that rolls back only has to forget what it queued.
public final class ChangeJournal {
    /// What a job queued for one app, in order.
    private enum Segment {
        case rows(ChangesetSession)
        /// A session's changes taken just before a schema change (a session cannot build its
        /// changeset once its tables' columns changed).
        case frozen(Changeset)
        case schema(SchemaEntry)
    }

    /// Where an app stood when a savepoint first queued something for it.
    private struct Mark {
        var count: Int
        /// The live session frozen then (restored if the savepoint rolls back).
        var frozen: ChangesetSession?
    }

    private let connection: OpaquePointer
    private var pending: [String: [Segment]] = [:]
    /// The app whose storage call is running, if any.
    private var recording: String?
    /// Per open savepoint: how many segments each app had when it began.
    private var marks: [[String: Mark]] = []
    /// Milliseconds since 1970, for `journal.at`.
    let now: () -> Int64

    /// The kernel tables that hold app data (each row has an `app` column).
    static let kernelTables: Set<String> = ["kv", "docs", "stored_blobs"]

    init(connection: OpaquePointer, now: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.connection = connection
        self.now = now
    }

    /// The prefix of `app`'s own SQL tables (as `SQLRewriter` names them).
    public static func tablePrefix(_ app: String) -> String { "app_\(app)__" }

    private func session(for app: String) throws -> ChangesetSession {
        if case .rows(let session)? = pending[app]?.last { return session }
        let prefix = Self.tablePrefix(app).lowercased()
        let session = try ChangesetSession(connection: connection) { table in
            Self.kernelTables.contains(table) || table.lowercased().hasPrefix(prefix)
        }
        pending[app, default: []].append(.rows(session))
        return session
    }

    /// Runs `body` with `app`'s session recording (a nested call keeps the outer app's).
    func record<T>(_ app: String, _ body: () throws -> T) throws -> T {
        guard recording == nil else { return try body() }
        let session = try session(for: app)
        recording = app
        session.isEnabled = true
        defer {
            recording = nil
            if case .rows(let current)? = pending[app]?.last { current.isEnabled = false }
        }
        return try body()
    }

    /// Before a statement changes the schema of `tables` (names with the app's prefix): closes the
    /// app's session, queues a copy of the tables, and opens a fresh session for what follows.
    func willChangeSchema(_ connection: Connection, app: String, tables: [String]) throws {
        var frozen: ChangesetSession?
        if case .rows(let session)? = pending[app]?.last {
            session.isEnabled = false
            frozen = session
        }
        noteMark(app, frozen: frozen)
        if let frozen, var segments = pending[app] {
            segments[segments.count - 1] = .frozen(try frozen.changeset())
            pending[app] = segments
        }
        let entry = try SchemaEntry.capture(connection, tables: tables)
        pending[app, default: []].append(.schema(entry))
        let session = try session(for: app)
        session.isEnabled = recording == app
    }

    private func noteMark(_ app: String, frozen: ChangesetSession?) {
        guard !marks.isEmpty, marks[marks.count - 1][app] == nil else { return }
        marks[marks.count - 1][app] = Mark(count: pending[app]?.count ?? 0, frozen: frozen)
    }

    // MARK: - Savepoints and transactions

    func savepointBegan() { marks.append([:]) }

    func savepointReleased() {
        guard let inner = marks.popLast() else { return }
        // What the inner savepoint queued now belongs to the outer one.
        guard !marks.isEmpty else { return }
        for (app, mark) in inner where marks[marks.count - 1][app] == nil { marks[marks.count - 1][app] = mark }
    }

    /// The savepoint's changes were undone: forget the segments it queued (its row changes are
    /// gone from the tables, so sessions report nothing for them).
    func savepointRolledBack() {
        guard let inner = marks.popLast() else { return }
        for (app, mark) in inner {
            guard var segments = pending[app], segments.count >= mark.count else { continue }
            segments.removeLast(segments.count - mark.count)
            // The schema change is undone, so the session frozen for it works again.
            if let session = mark.frozen, mark.count > 0 { segments[mark.count - 1] = .rows(session) }
            pending[app] = segments
            if recording == app, case .rows(let session)? = segments.last { session.isEnabled = true }
        }
    }

    /// Appends what every app queued to `journal` (before COMMIT).
    func flush(_ connection: Connection) throws {
        guard !pending.isEmpty else { return }
        let at = now()
        for app in pending.keys.sorted() {
            for segment in pending[app] ?? [] {
                switch segment {
                case .rows(let session):
                    guard !session.isEmpty else { continue }
                    let changeset = try session.changeset()
                    guard !changeset.isEmpty else { continue }
                    try insert(connection, app: app, kind: "data", bytes: changeset.bytes, at: at)
                case .frozen(let changeset):
                    guard !changeset.isEmpty else { continue }
                    try insert(connection, app: app, kind: "data", bytes: changeset.bytes, at: at)
                case .schema(let entry):
                    try insert(connection, app: app, kind: "schema", bytes: entry.encoded, at: at)
                }
            }
        }
        pending.removeAll()
    }

    private func insert(_ connection: Connection, app: String, kind: String, bytes: [UInt8], at: Int64) throws {
        try connection.run(
            "INSERT INTO journal (app, kind, changeset, at) VALUES (?, ?, ?, ?)",
            [.text(app), .text(kind), .blob(bytes), .integer(at)]
        )
    }

    /// Forgets everything queued (the transaction rolled back).
    func discard() {
        pending.removeAll()
        marks.removeAll()
        recording = nil
    }

    /// The newest journal position (what a version or snapshot remembers as its restore point).
    public static func position(_ connection: Connection) throws -> Int64 {
        try connection.queryOne("SELECT seq FROM sqlite_sequence WHERE name = 'journal'") { $0.int64(0) } ?? 0
    }
}

extension Connection {
    /// Runs `body` (one storage call of `app`) with the app's changes journaled, when this is the
    /// writer connection of a store that journals data.
    public func recordingChanges<T>(of app: String, _ body: () throws -> T) throws -> T {
        guard let journal else { return try body() }
        return try journal.record(app, body)
    }

    /// Tells the journal that the next statement changes the schema of `tables` (the app's own).
    public func willChangeSchema(app: String, tables: [String]) throws {
        try journal?.willChangeSchema(self, app: app, tables: tables)
    }

    /// Whether this connection journals app data.
    public var journalsData: Bool { journal != nil }
}
