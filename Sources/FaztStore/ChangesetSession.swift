import CSQLite

/// One `sqlite3_session` on the writer connection: records row changes to the tables `filter`
/// accepts while enabled (SQLite's session extension).
///
/// Only tables with an explicit PRIMARY KEY are recorded, and DDL is not (see `ChangeJournal`).
final class ChangesetSession {
    private let handle: OpaquePointer
    private let filter: Unmanaged<TableFilter>

    /// Which tables a session records.
    final class TableFilter {
        let accepts: (String) -> Bool
        init(_ accepts: @escaping (String) -> Bool) { self.accepts = accepts }
    }

    /// Creates a disabled session on `connection` that records the tables `accepts` names.
    init(connection: OpaquePointer, accepts: @escaping (String) -> Bool) throws {
        var session: OpaquePointer?
        try check(sqlite3session_create(connection, "main", &session), connection, sql: "sqlite3session_create")
        guard let session else {
            throw StoreError(code: .sqlite(SQLITE_NOMEM), message: "cannot create a change session")
        }
        handle = session
        filter = Unmanaged.passRetained(TableFilter(accepts))
        sqlite3session_enable(handle, 0)
        sqlite3session_table_filter(
            handle,
            { context, table in
                guard let context, let table else { return 0 }
                let filter = Unmanaged<TableFilter>.fromOpaque(context).takeUnretainedValue()
                return filter.accepts(String(cString: table)) ? 1 : 0
            },
            filter.toOpaque()
        )
        let attached = sqlite3session_attach(handle, nil)
        guard attached == SQLITE_OK else {
            sqlite3session_delete(handle)
            filter.release()
            throw StoreError(code: .sqlite(attached), message: "cannot attach a change session")
        }
    }

    deinit {
        sqlite3session_delete(handle)
        filter.release()
    }

    /// Starts or stops recording.
    var isEnabled: Bool {
        get { sqlite3session_enable(handle, -1) != 0 }
        set { sqlite3session_enable(handle, newValue ? 1 : 0) }
    }

    /// True when nothing has been recorded.
    var isEmpty: Bool { sqlite3session_isempty(handle) != 0 }

    /// The changes recorded so far (net: a row changed and changed back is left out).
    func changeset() throws -> Changeset {
        var size: Int32 = 0
        var buffer: UnsafeMutableRawPointer?
        let result = sqlite3session_changeset(handle, &size, &buffer)
        defer { sqlite3_free(buffer) }
        guard result == SQLITE_OK else {
            throw StoreError(code: .sqlite(result), message: "cannot build the changeset")
        }
        guard let buffer, size > 0 else { return Changeset(bytes: []) }
        return Changeset(bytes: Array(UnsafeRawBufferPointer(start: buffer, count: Int(size))))
    }
}
