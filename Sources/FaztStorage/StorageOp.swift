/// Every call app JavaScript can make through `host.store`, by its wire name.
///
/// The properties here are the only place that says which calls write, which grow the app's data
/// and where each one runs (`route`); the worker, the daemon's reader and the writer all ask them.
public enum StorageOp: String, Sendable, CaseIterable {
    case kvGet = "kv.get"
    case kvHas = "kv.has"
    case kvSet = "kv.set"
    case kvDelete = "kv.delete"
    case kvIncr = "kv.incr"
    case kvList = "kv.list"
    case docsInsert = "docs.insert"
    case docsInsertMany = "docs.insertMany"
    case docsGet = "docs.get"
    case docsFind = "docs.find"
    case docsCount = "docs.count"
    case docsUpdate = "docs.update"
    case docsDelete = "docs.delete"
    case docsCreateIndex = "docs.createIndex"
    case docsCollections = "docs.collections"
    case sqlQuery = "sql.query"
    case sqlExec = "sql.exec"
    case sqlBatch = "sql.batch"
    case sqlTables = "sql.tables"
    case blobsPut = "blobs.put"
    case blobsGet = "blobs.get"
    case blobsDelete = "blobs.delete"
    case blobsList = "blobs.list"
    /// Waits until the worker's pipelined writes are applied (read your own writes).
    case sync
    case txBegin = "tx.begin"
    case txCommit = "tx.commit"
    case txRollback = "tx.rollback"
    case scheduleAdd = "schedule.add"
    case scheduleCancel = "schedule.cancel"
    case scheduleGet = "schedule.get"
    case scheduleList = "schedule.list"
    case eventsEmit = "events.emit"
    case eventsOn = "events.on"
    case eventsOff = "events.off"
    case eventsQuery = "events.query"
    case notify
    case socketBroadcast = "socket.broadcast"
    case socketSend = "socket.send"
    /// `fazt.realtime.broadcastAll`: a direct send to every socket of the app.
    case socketSendAll = "socket.sendAll"
    /// `ws.send(bytes)` / `fazt.socket.send(id, bytes)`: a binary message (the bytes travel as the call's data).
    case socketSendBinary = "socket.sendBinary"
    case socketSockets = "socket.sockets"
    case socketCount = "socket.count"
    case socketPresence = "socket.presence"
    case socketKick = "socket.kick"
    case socketToken = "socket.token"
    case socketSubscribe = "socket.subscribe"
    case socketUnsubscribe = "socket.unsubscribe"
    case socketAttach = "socket.attach"
    case socketTags = "socket.tags"
    case socketClose = "socket.close"
    /// `fazt.ai.cancel(streamId)`: stops a channel stream of the app.
    case aiCancel = "ai.cancel"
    /// `fazt.secrets.get(name)`: a secret's value, when the owner marked it readable.
    case secretsGet = "secrets.get"
    /// `fazt.secrets.hmac(name, data, options)`: the data travels as the call's bytes.
    case secretsHMAC = "secrets.hmac"
    /// `fazt.secrets.sign(name, data, options)`: a compact JWS of the call's bytes.
    case secretsSign = "secrets.sign"
    /// `fazt.secrets.verify(name, data, signature, options)`.
    case secretsVerify = "secrets.verify"

    /// Where a call runs when no transaction is open (inside one, every non-kernel call is `remote`).
    public enum Route: Sendable {
        /// In the worker, on its read-only connection (`sql.query` only when the SQL reads).
        case local
        /// Sent to the writer without waiting (`kv.set`); the response waits for it instead.
        case pipelined
        /// Sent to the daemon's writer; the worker waits for the answer.
        case remote
        /// Answered by the kernel (scheduler, events, notifier), never in a storage transaction.
        case kernel
    }

    /// The op named `name` (from JavaScript or the wire), or an `INVALID_ARGUMENT` error.
    public init(named name: String) throws(StorageError) {
        guard let op = StorageOp(rawValue: name) else {
            throw StorageError(.invalidArgument, "unknown storage call \(name)")
        }
        self = op
    }

    /// Changes app data, so it runs on the daemon's writer.
    public var isWrite: Bool {
        switch self {
        case .kvSet, .kvDelete, .kvIncr, .docsInsert, .docsInsertMany, .docsUpdate, .docsDelete, .docsCreateIndex,
            .sqlExec, .sqlBatch, .blobsPut, .blobsDelete:
            return true
        default:
            return false
        }
    }

    /// Changes the database with one statement (reads aside), so the writer can skip its savepoint.
    public var isSingleStatement: Bool {
        switch self {
        case .kvSet, .kvDelete, .kvIncr, .sync: return true
        default: return false
        }
    }

    /// Adds data (refused once the app is over its quota).
    public var grows: Bool {
        switch self {
        case .kvSet, .kvIncr, .docsInsert, .docsInsertMany, .docsUpdate, .sqlExec, .sqlBatch, .blobsPut: return true
        default: return false
        }
    }

    /// Opens or ends a storage transaction.
    public var isTransactionControl: Bool { self == .txBegin || self == .txCommit || self == .txRollback }

    /// Answered by the kernel rather than app storage (`schedule.*`, `events.*`, `notify`, `socket.*`,
    /// `secrets.*`).
    public var isKernel: Bool { route == .kernel }

    /// A `fazt.socket.*` call: answered by the realtime hub, touching no stored data (an HTTP
    /// response that made only these calls does not wait for the disk).
    public var isRealtime: Bool { rawValue.hasPrefix("socket.") }

    /// A `fazt.secrets.*` call: answered from the owner's secrets, touching no stored data.
    public var isSecret: Bool { rawValue.hasPrefix("secrets.") }

    /// Where the call runs outside a transaction.
    public var route: Route {
        switch self {
        case .scheduleAdd, .scheduleCancel, .scheduleGet, .scheduleList, .eventsEmit, .eventsOn, .eventsOff,
            .eventsQuery, .notify, .aiCancel, .secretsGet, .secretsHMAC, .secretsSign, .secretsVerify:
            return .kernel
        case _ where isRealtime:
            return .kernel
        case .kvSet:
            return .pipelined
        case .sync, .txBegin, .txCommit, .txRollback:
            return .remote
        default:
            return isWrite ? .remote : .local
        }
    }
}
