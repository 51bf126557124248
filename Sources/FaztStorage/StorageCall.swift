import FaztStore
import Foundation

/// One storage call from JavaScript: `op` (`.kvSet`, `.docsFind`, …), string arguments and, for
/// blobs, bytes.
///
/// The same code runs it in the worker (reads, on its read-only connection) and in the daemon
/// (writes, on the single writer).
public struct StorageCall: Sendable {
    public var op: StorageOp
    public var app: String
    public var args: [String]
    public var data: [UInt8]?

    public init(op: StorageOp, app: String, args: [String], data: [UInt8]? = nil) {
        self.op = op
        self.app = app
        self.args = args
        self.data = data
    }

    /// Changes data, so it goes to the daemon's writer.
    public var isWrite: Bool { op.isWrite }

    /// Answered by the kernel rather than app storage: always sent to the daemon, never part of a
    /// storage transaction.
    public var isKernel: Bool { op.isKernel }

    public func arg(_ index: Int) -> String { index < args.count ? args[index] : "" }

    /// Argument `index` as a TTL: empty for none, else milliseconds or a duration like `"10m"`.
    public func ttl(_ index: Int) throws(StorageError) -> Int64? {
        let text = arg(index)
        guard !text.isEmpty else { return nil }
        guard let ttl = DurationText.milliseconds(text) else {
            throw StorageError(.invalidArgument, "kv.set: ttl must be milliseconds or a duration like \"10m\"")
        }
        return ttl
    }

    /// Argument `index` as JSON text (`null` when empty), checked to parse and to fit `limit` bytes;
    /// `what` names it in errors (`"schedule: state"`).
    public func jsonText(_ index: Int, _ what: String, limit: Int) throws(StorageError) -> String {
        let text = arg(index).isEmpty ? "null" : arg(index)
        guard text.utf8.count <= limit else {
            throw StorageError(.tooLarge, "\(what) is \(text.utf8.count) bytes (limit \(limit >> 10) KB)")
        }
        _ = try JSONValue.parse(text)
        return text
    }

    /// Argument `index` as parsed JSON options (an empty object when empty).
    public func options(_ index: Int) throws(StorageError) -> JSONValue {
        arg(index).isEmpty ? .object([]) : try JSONValue.parse(arg(index))
    }

    func json(_ index: Int) throws(StorageError) -> JSONValue? {
        let text = arg(index)
        return text.isEmpty ? nil : try JSONValue.parse(text)
    }
}

/// A storage call's answer: JSON text, plus bytes for `blobs.get`.
public struct StorageResult: Sendable {
    public var json: String
    public var data: [UInt8]?

    public init(json: String, data: [UInt8]? = nil) {
        self.json = json
        self.data = data
    }
}

/// Runs storage calls against a connection.
public struct StorageExecutor {
    public let connection: Connection
    public let now: () -> Int64

    public init(connection: Connection, now: @escaping () -> Int64 = StorageExecutor.wallClock) {
        self.connection = connection
        self.now = now
    }

    /// Milliseconds since 1970.
    public static let wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    public func run(_ call: StorageCall) throws(StorageError) -> StorageResult {
        let app = call.app
        switch call.op {
        case .kvGet:
            return StorageResult(json: try kv(app).get(call.arg(0)) ?? "null")
        case .kvHas:
            return StorageResult(json: try kv(app).has(call.arg(0)) ? "true" : "false")
        case .kvSet:
            try kv(app).set(call.arg(0), json: call.arg(1), ttl: try call.ttl(2))
            return StorageResult(json: "null")
        case .sync:
            return StorageResult(json: "null")
        case .kvDelete:
            return StorageResult(json: try kv(app).delete(call.arg(0)) ? "true" : "false")
        case .kvIncr:
            let by = call.arg(1).isEmpty ? 1 : Double(call.arg(1)) ?? .nan
            guard by.isFinite else { throw StorageError(.invalidArgument, "kv.incr: `by` must be a finite number") }
            return StorageResult(json: JSONValue.format(try kv(app).increment(call.arg(0), by: by)))
        case .kvList:
            let page = try kv(app).list(
                prefix: call.arg(0),
                limit: Int(call.arg(1)) ?? StorageLimits.defaultListLimit,
                after: call.arg(2).isEmpty ? nil : call.arg(2)
            )
            return StorageResult(json: page.json)
        case .docsInsert:
            return StorageResult(json: JSONValue.quoted(try docs(app).insert(call.arg(0), try call.json(1) ?? .null)))
        case .docsInsertMany:
            guard case .array(let documents)? = try call.json(1) else {
                throw StorageError(.invalidArgument, "docs.insertMany takes an array of documents")
            }
            var ids: [String] = []
            for document in documents { ids.append(JSONValue.quoted(try docs(app).insert(call.arg(0), document))) }
            return StorageResult(json: "[" + ids.joined(separator: ",") + "]")
        case .docsGet:
            return StorageResult(json: try docs(app).get(call.arg(0), id: call.arg(1)) ?? "null")
        case .docsFind:
            let options = try FindOptions(try call.json(2), newestFirst: call.arg(3) == "newest")
            let found = try docs(app).find(call.arg(0), try call.json(1) ?? .null, options: options)
            return StorageResult(json: "[" + found.joined(separator: ",") + "]")
        case .docsCount:
            return StorageResult(json: String(try docs(app).count(call.arg(0), try call.json(1) ?? .null)))
        case .docsUpdate:
            return StorageResult(
                json: String(try docs(app).update(call.arg(0), try call.json(1) ?? .null, try call.json(2) ?? .null))
            )
        case .docsDelete:
            return StorageResult(json: String(try docs(app).delete(call.arg(0), try call.json(1) ?? .null)))
        case .docsCreateIndex:
            try docs(app).createIndex(call.arg(0), field: call.arg(1))
            return StorageResult(json: "null")
        case .docsCollections:
            return StorageResult(
                json: "[" + (try docs(app).collections().map(JSONValue.quoted).joined(separator: ",")) + "]"
            )
        case .sqlQuery:
            return StorageResult(
                json: try SQLStore(connection: connection, app: app).query(call.arg(0), try call.json(1))
            )
        case .sqlExec:
            return StorageResult(
                json: try SQLStore(connection: connection, app: app).exec(call.arg(0), try call.json(1))
            )
        case .sqlBatch:
            return StorageResult(json: try batch(app, try call.json(0)))
        case .sqlTables:
            let names = try SQLStore(connection: connection, app: app).tables()
            return StorageResult(json: "[" + names.map(JSONValue.quoted).joined(separator: ",") + "]")
        case .blobsPut:
            let data = call.data ?? []
            return StorageResult(
                json: try blobs(app).put(call.arg(0), data: data, type: call.arg(1), etag: call.arg(2))
            )
        case .blobsGet:
            guard let (meta, data) = try blobs(app).get(call.arg(0)) else { return StorageResult(json: "null") }
            return StorageResult(json: meta, data: data)
        case .blobsDelete:
            return StorageResult(json: try blobs(app).delete(call.arg(0)) ? "true" : "false")
        case .blobsList:
            return StorageResult(
                json: try blobs(app).list(prefix: call.arg(0), limit: Int(call.arg(1)) ?? StorageLimits.listLimit)
            )
        case .txBegin, .txCommit, .txRollback, .scheduleAdd, .scheduleCancel, .scheduleGet, .scheduleList, .eventsEmit,
            .eventsOn, .eventsOff, .eventsQuery, .notify, .socketBroadcast, .socketSend, .socketSendAll,
            .socketSendBinary, .socketSockets,
            .socketCount, .socketPresence, .socketKick, .socketToken, .socketSubscribe, .socketUnsubscribe,
            .socketAttach,
            .socketTags, .socketClose, .aiCancel, .secretsGet, .secretsHMAC, .secretsSign, .secretsVerify:
            throw StorageError(.invalidArgument, "\(call.op.rawValue) is not a storage call")
        }
    }

    /// `sql.batch([{sql, params}] | [[sql, params]] | [sql])`: every statement or none (the caller
    /// runs it inside a savepoint).
    private func batch(_ app: String, _ list: JSONValue?) throws(StorageError) -> String {
        guard case .array(let items)? = list, !items.isEmpty, items.count <= 1000 else {
            throw StorageError(.invalidArgument, "sql.batch takes an array of 1-1000 statements")
        }
        let store = SQLStore(connection: connection, app: app)
        var results: [String] = []
        for item in items {
            switch item {
            case .string(let sql): results.append(try store.exec(sql, nil))
            case .array(let pair):
                guard let sql = pair.first?.stringValue else {
                    throw StorageError(.invalidArgument, "sql.batch: each entry is [sql, params]")
                }
                results.append(try store.exec(sql, pair.count > 1 ? pair[1] : nil))
            case .object:
                guard let sql = item["sql"]?.stringValue else {
                    throw StorageError(.invalidArgument, "sql.batch: each entry is {sql, params}")
                }
                results.append(try store.exec(sql, item["params"]))
            default:
                throw StorageError(
                    .invalidArgument,
                    "sql.batch: each entry is a string, [sql, params] or {sql, params}"
                )
            }
        }
        return "[" + results.joined(separator: ",") + "]"
    }

    private func kv(_ app: String) -> KVStore { KVStore(connection: connection, app: app, now: now) }
    private func docs(_ app: String) -> DocumentStore { DocumentStore(connection: connection, app: app, now: now) }
    private func blobs(_ app: String) -> BlobStore { BlobStore(connection: connection, app: app, now: now) }
}
