import CSQLite

/// A serialized set of row changes (SQLite's changeset format), as recorded by `ChangesetSession`.
public struct Changeset: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The changeset that undoes this one (inserts become deletes, updates swap old and new).
    func inverted() throws -> Changeset {
        guard !bytes.isEmpty else { return self }
        var size: Int32 = 0
        var output: UnsafeMutableRawPointer?
        var input = bytes
        let result = input.withUnsafeMutableBytes {
            sqlite3changeset_invert(Int32($0.count), $0.baseAddress, &size, &output)
        }
        defer { sqlite3_free(output) }
        guard result == SQLITE_OK else { throw StoreError(code: .sqlite(result), message: "cannot invert a changeset") }
        guard let output, size > 0 else { return Changeset(bytes: []) }
        return Changeset(bytes: Array(UnsafeRawBufferPointer(start: output, count: Int(size))))
    }

    /// How many row changes it holds.
    func count() throws -> Int {
        guard !bytes.isEmpty else { return 0 }
        var input = bytes
        return try input.withUnsafeMutableBytes { buffer in
            var iterator: OpaquePointer?
            var result = sqlite3changeset_start(&iterator, Int32(buffer.count), buffer.baseAddress)
            guard result == SQLITE_OK, let iterator else {
                throw StoreError(code: .sqlite(result), message: "cannot read a changeset")
            }
            var count = 0
            while true {
                result = sqlite3changeset_next(iterator)
                guard result == SQLITE_ROW else { break }
                count += 1
            }
            let finished = sqlite3changeset_finalize(iterator)
            guard result == SQLITE_DONE, finished == SQLITE_OK else {
                throw StoreError(code: .sqlite(result), message: "cannot read a changeset")
            }
            return count
        }
    }

    /// One changeset with the net effect of `changesets` applied in order.
    static func combined(_ changesets: [Changeset]) throws -> Changeset {
        let parts = changesets.filter { !$0.isEmpty }
        if parts.count <= 1 { return parts.first ?? Changeset(bytes: []) }
        var group: OpaquePointer?
        var result = sqlite3changegroup_new(&group)
        guard result == SQLITE_OK, let group else {
            throw StoreError(code: .sqlite(result), message: "cannot group changesets")
        }
        defer { sqlite3changegroup_delete(group) }
        for part in parts {
            var input = part.bytes
            result = input.withUnsafeMutableBytes { sqlite3changegroup_add(group, Int32($0.count), $0.baseAddress) }
            guard result == SQLITE_OK else {
                throw StoreError(code: .sqlite(result), message: "cannot group changesets (a journal entry is damaged)")
            }
        }
        var size: Int32 = 0
        var output: UnsafeMutableRawPointer?
        result = sqlite3changegroup_output(group, &size, &output)
        defer { sqlite3_free(output) }
        guard result == SQLITE_OK else { throw StoreError(code: .sqlite(result), message: "cannot group changesets") }
        guard let output, size > 0 else { return Changeset(bytes: []) }
        return Changeset(bytes: Array(UnsafeRawBufferPointer(start: output, count: Int(size))))
    }

    /// Applies this changeset on `connection` (inside the caller's transaction).
    ///
    /// Rows changed outside the journal since (a swept expired key, writes made while journaling
    /// was off) are forced to the changeset's values; a constraint or foreign-key failure aborts.
    func apply(on connection: Connection) throws {
        guard !bytes.isEmpty else { return }
        let outcome = Unmanaged.passRetained(ApplyOutcome())
        defer { outcome.release() }
        var input = bytes
        let result = input.withUnsafeMutableBytes { buffer in
            sqlite3changeset_apply(
                connection.handle,
                Int32(buffer.count),
                buffer.baseAddress,
                nil,
                { context, conflict, _ in
                    guard let context else { return SQLITE_CHANGESET_ABORT }
                    let outcome = Unmanaged<ApplyOutcome>.fromOpaque(context).takeUnretainedValue()
                    switch conflict {
                    case SQLITE_CHANGESET_NOTFOUND:
                        return SQLITE_CHANGESET_OMIT
                    case SQLITE_CHANGESET_DATA, SQLITE_CHANGESET_CONFLICT:
                        return SQLITE_CHANGESET_REPLACE
                    default:
                        outcome.fatal = conflict
                        return SQLITE_CHANGESET_ABORT
                    }
                },
                outcome.toOpaque()
            )
        }
        guard result == SQLITE_OK else {
            let kind =
                outcome.takeUnretainedValue().fatal == SQLITE_CHANGESET_FOREIGN_KEY ? "a foreign key" : "a constraint"
            throw StoreError(
                code: .sqlite(result),
                message:
                    "the restore would break \(kind) in the app's data (\(connection.lastErrorMessage)); nothing was changed"
            )
        }
    }
}

/// What the conflict handler saw while applying a changeset.
private final class ApplyOutcome {
    var fatal: Int32 = 0
}
