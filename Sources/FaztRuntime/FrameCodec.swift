import FaztNet
import FaztStorage
import Foundation

/// The binary encoding of `WorkerFrame`: one byte for the case, then its fields (`FieldWriter`).
///
/// Every case has its own tags; a tag a case does not know, a missing required field or a number
/// that is not 8 bytes makes the frame malformed (the daemon then kills the worker).
enum FrameCodec {
    enum Kind: UInt8 {
        case hello = 1
        case invoke, warm, check, result, checked, store, stored, fetch, fetched, log, recycle
        case ai, aiEvent, aiDone, aiCancel
        case responseStart, responseChunk, responseEnd
    }

    enum HelloTag: UInt8 { case protocolVersion = 1 }
    enum InvokeTag: UInt8 {
        case id = 1
        case app, version, file, request, timeoutMs, capture, body
    }
    enum WarmTag: UInt8 {
        case id = 1
        case app, version
    }
    enum CheckTag: UInt8 {
        case id = 1
        /// The path and the source (`FieldWriter.put(_:_:_:)`), once per script.
        case source
    }
    enum ResultTag: UInt8 {
        case id = 1
        case status, header, body, failureKind, failureMessage, failureLocation, failureStack, failureCode
        case usedStorage, output
    }
    enum CheckedTag: UInt8 {
        case id = 1
        /// The problems as JSON (deploy time only).
        case problems
        /// The transformed modules as JSON (deploy time only).
        case modules
    }
    enum StoreTag: UInt8 {
        case id = 1
        case app, op, arg, data, session, timeoutMs, pipelined
    }
    enum StoredTag: UInt8 {
        case id = 1
        case json, data, code, message
    }
    enum FetchTag: UInt8 {
        case id = 1
        case app, url, method, header, body, authSecret, authHeader, authScheme, connection
    }
    enum FetchedTag: UInt8 {
        case id = 1
        case status, header, body, url, error
    }
    enum LogTag: UInt8 {
        case app = 1
        case level, message
    }
    enum AIStartTag: UInt8 {
        case id = 1
        case app, mode, options
    }
    enum AIEventTag: UInt8 {
        case id = 1
        case event
    }
    enum AIDoneTag: UInt8 {
        case id = 1
        case json, code, message
    }
    enum AICancelTag: UInt8 { case id = 1 }
    enum ResponseStartTag: UInt8 {
        case id = 1
        case status, header, body, streamed, usedStorage
    }
    enum ResponseChunkTag: UInt8 {
        case id = 1
        case body
    }
    enum ResponseEndTag: UInt8 {
        case id = 1
        case error
    }

    static func encode(_ frame: WorkerFrame) throws -> [UInt8] {
        switch frame {
        case .hello(let hello):
            var out = FieldWriter(kind: Kind.hello.rawValue)
            out.put(HelloTag.protocolVersion, hello.protocolVersion)
            return out.bytes
        case .invoke(let invoke):
            var out = FieldWriter(kind: Kind.invoke.rawValue, capacity: 96 + invoke.request.utf8.count)
            out.put(InvokeTag.id, invoke.id)
            out.put(InvokeTag.app, invoke.app)
            out.put(InvokeTag.version, invoke.version)
            out.put(InvokeTag.file, invoke.file)
            out.put(InvokeTag.request, invoke.request)
            out.put(InvokeTag.timeoutMs, invoke.timeoutMs)
            out.put(InvokeTag.capture, flag: invoke.capture)
            if let body = invoke.body { out.put(InvokeTag.body, body) }
            return out.bytes
        case .warm(let warm):
            var out = FieldWriter(kind: Kind.warm.rawValue)
            out.put(WarmTag.id, warm.id)
            out.put(WarmTag.app, warm.app)
            out.put(WarmTag.version, warm.version)
            return out.bytes
        case .check(let check):
            var out = FieldWriter(kind: Kind.check.rawValue)
            out.put(CheckTag.id, check.id)
            for source in check.sources { out.put(CheckTag.source, source.path, source.source) }
            return out.bytes
        case .result(let result):
            return encode(result)
        case .checked(let checked):
            var out = FieldWriter(kind: Kind.checked.rawValue)
            out.put(CheckedTag.id, checked.id)
            out.put(CheckedTag.problems, try JSONEncoder().encode(checked.problems))
            if !checked.modules.isEmpty { out.put(CheckedTag.modules, try JSONEncoder().encode(checked.modules)) }
            return out.bytes
        case .store(let store):
            var out = FieldWriter(kind: Kind.store.rawValue, capacity: 64 + (store.data?.count ?? 0))
            out.put(StoreTag.id, store.id)
            out.put(StoreTag.app, store.app)
            out.put(StoreTag.op, store.op.rawValue)
            for arg in store.args { out.put(StoreTag.arg, arg) }
            if let data = store.data { out.put(StoreTag.data, data) }
            out.put(StoreTag.session, store.session)
            out.put(StoreTag.timeoutMs, store.timeoutMs)
            out.put(StoreTag.pipelined, flag: store.pipelined)
            return out.bytes
        case .stored(let stored):
            var out = FieldWriter(kind: Kind.stored.rawValue)
            out.put(StoredTag.id, stored.id)
            switch stored.outcome {
            case .success(let json, let data):
                out.put(StoredTag.json, json)
                if let data { out.put(StoredTag.data, data) }
            case .failure(let code, let message):
                out.put(StoredTag.code, code)
                out.put(StoredTag.message, message)
            }
            return out.bytes
        case .fetch(let fetch):
            var out = FieldWriter(kind: Kind.fetch.rawValue, capacity: 128 + (fetch.body?.count ?? 0))
            out.put(FetchTag.id, fetch.id)
            out.put(FetchTag.app, fetch.app)
            out.put(FetchTag.url, fetch.url)
            out.put(FetchTag.method, fetch.method)
            for field in fetch.headers { out.put(FetchTag.header, field.name, field.value) }
            if let body = fetch.body { out.put(FetchTag.body, body) }
            out.put(FetchTag.authSecret, fetch.auth.secret)
            out.put(FetchTag.authHeader, fetch.auth.header)
            out.put(FetchTag.authScheme, fetch.auth.scheme)
            out.put(FetchTag.connection, fetch.auth.connection)
            return out.bytes
        case .fetched(let fetched):
            var out = FieldWriter(kind: Kind.fetched.rawValue)
            out.put(FetchedTag.id, fetched.id)
            switch fetched.outcome {
            case .response(let status, let headers, let body, let url):
                out.put(FetchedTag.status, status)
                for field in headers { out.put(FetchedTag.header, field.name, field.value) }
                out.put(FetchedTag.body, body)
                out.put(FetchedTag.url, url)
            case .failure(let message):
                out.put(FetchedTag.error, message)
            }
            return out.bytes
        case .log(let log):
            var out = FieldWriter(kind: Kind.log.rawValue)
            out.put(LogTag.app, log.app)
            out.put(LogTag.level, log.level)
            out.put(LogTag.message, log.message)
            return out.bytes
        case .recycle:
            return FieldWriter(kind: Kind.recycle.rawValue).bytes
        case .ai(let start):
            var out = FieldWriter(kind: Kind.ai.rawValue, capacity: 64 + start.options.utf8.count)
            out.put(AIStartTag.id, start.id)
            out.put(AIStartTag.app, start.app)
            out.put(AIStartTag.mode, start.mode.rawValue)
            out.put(AIStartTag.options, start.options)
            return out.bytes
        case .aiEvent(let event):
            var out = FieldWriter(kind: Kind.aiEvent.rawValue, capacity: 32 + event.event.utf8.count)
            out.put(AIEventTag.id, event.id)
            out.put(AIEventTag.event, event.event)
            return out.bytes
        case .aiCancel(let id):
            var out = FieldWriter(kind: Kind.aiCancel.rawValue)
            out.put(AICancelTag.id, id)
            return out.bytes
        case .aiDone(let done):
            var out = FieldWriter(kind: Kind.aiDone.rawValue)
            out.put(AIDoneTag.id, done.id)
            switch done.outcome {
            case .result(let json): out.put(AIDoneTag.json, json)
            case .failure(let code, let message):
                out.put(AIDoneTag.code, code)
                out.put(AIDoneTag.message, message)
            }
            return out.bytes
        case .responseStart(let start):
            var out = FieldWriter(kind: Kind.responseStart.rawValue, capacity: 64 + start.body.count)
            out.put(ResponseStartTag.id, start.id)
            out.put(ResponseStartTag.status, start.status)
            for field in start.headers { out.put(ResponseStartTag.header, field.name, field.value) }
            out.put(ResponseStartTag.body, start.body)
            out.put(ResponseStartTag.streamed, flag: start.streamed)
            out.put(ResponseStartTag.usedStorage, flag: start.usedStorage)
            return out.bytes
        case .responseChunk(let chunk):
            var out = FieldWriter(kind: Kind.responseChunk.rawValue, capacity: 24 + chunk.body.count)
            out.put(ResponseChunkTag.id, chunk.id)
            out.put(ResponseChunkTag.body, chunk.body)
            return out.bytes
        case .responseEnd(let end):
            var out = FieldWriter(kind: Kind.responseEnd.rawValue)
            out.put(ResponseEndTag.id, end.id)
            out.put(ResponseEndTag.error, end.error)
            return out.bytes
        }
    }

    private static func encode(_ result: WorkerFrame.InvokeResult) -> [UInt8] {
        var out = FieldWriter(kind: Kind.result.rawValue)
        out.put(ResultTag.id, result.id)
        switch result.outcome {
        case .response(let status, let headers, let body):
            out.put(ResultTag.status, status)
            for field in headers { out.put(ResultTag.header, field.name, field.value) }
            out.put(ResultTag.body, body)
        case .failure(let failure):
            out.put(ResultTag.failureKind, failure.kind.rawValue)
            out.put(ResultTag.failureMessage, failure.message)
            out.put(ResultTag.failureLocation, failure.location)
            out.put(ResultTag.failureStack, failure.stack)
            out.put(ResultTag.failureCode, failure.code)
        }
        out.put(ResultTag.usedStorage, flag: result.usedStorage)
        out.put(ResultTag.output, result.output)
        return out.bytes
    }

    static func required<Value>(_ value: Value?) throws(InvocationFailure) -> Value {
        guard let value else { throw malformed }
        return value
    }

    static let malformed = FieldReader.malformed
}
