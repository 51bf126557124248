import FaztStorage
import Foundation

/// The binary encoding of `WorkerFrame`: one byte for the case, then its fields (`FieldWriter`).
///
/// Every case has its own tags; a tag a case does not know, a missing required field or a number
/// that is not 8 bytes makes the frame malformed (the daemon then kills the worker).
enum FrameCodec {
    private enum Kind: UInt8 {
        case hello = 1
        case invoke, warm, check, result, checked, store, stored, fetch, fetched, log, recycle
    }

    private enum HelloTag: UInt8 { case protocolVersion = 1 }
    private enum InvokeTag: UInt8 {
        case id = 1
        case app, version, file, request, timeoutMs, capture, body
    }
    private enum WarmTag: UInt8 {
        case id = 1
        case app, version
    }
    private enum CheckTag: UInt8 {
        case id = 1
        /// The path and the source (`FieldWriter.put(_:_:_:)`), once per script.
        case source
    }
    private enum ResultTag: UInt8 {
        case id = 1
        case status, header, body, failureKind, failureMessage, failureLocation, failureStack, failureCode
        case usedStorage, output
    }
    private enum CheckedTag: UInt8 {
        case id = 1
        /// The problems as JSON (deploy time only).
        case problems
    }
    private enum StoreTag: UInt8 {
        case id = 1
        case app, op, arg, data, session, timeoutMs, pipelined
    }
    private enum StoredTag: UInt8 {
        case id = 1
        case json, data, code, message
    }
    private enum FetchTag: UInt8 {
        case id = 1
        case app, url, method, header, body
    }
    private enum FetchedTag: UInt8 {
        case id = 1
        case status, header, body, url, error
    }
    private enum LogTag: UInt8 {
        case app = 1
        case level, message
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

    static func decode(_ payload: [UInt8]) throws(InvocationFailure) -> WorkerFrame {
        var fields = try FieldReader(payload)
        switch Kind(rawValue: fields.kind) {
        case .hello:
            var version: Int?
            while let (tag, bytes) = try fields.next() {
                guard HelloTag(rawValue: tag) == .protocolVersion else { throw malformed }
                version = try FieldReader.int(bytes)
            }
            return .hello(WorkerFrame.Hello(protocolVersion: try required(version)))
        case .invoke: return .invoke(try decodeInvoke(&fields))
        case .warm:
            var id: UInt64?
            var app: String?
            var version: Int?
            while let (tag, bytes) = try fields.next() {
                switch WarmTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case .app: app = FieldReader.text(bytes)
                case .version: version = try FieldReader.int(bytes)
                case nil: throw malformed
                }
            }
            return .warm(WorkerFrame.Warm(id: try required(id), app: try required(app), version: try required(version)))
        case .check:
            var id: UInt64?
            var sources: [ScriptSource] = []
            while let (tag, bytes) = try fields.next() {
                switch CheckTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case .source:
                    let (path, source) = try FieldReader.pair(bytes)
                    sources.append(ScriptSource(path: path, source: source))
                case nil: throw malformed
                }
            }
            return .check(WorkerFrame.Check(id: try required(id), sources: sources))
        case .result: return .result(try decodeResult(&fields))
        case .checked:
            var id: UInt64?
            var problems: [ScriptProblem]?
            while let (tag, bytes) = try fields.next() {
                switch CheckedTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case .problems:
                    guard let list = try? JSONDecoder().decode([ScriptProblem].self, from: Data(bytes)) else {
                        throw malformed
                    }
                    problems = list
                case nil: throw malformed
                }
            }
            return .checked(WorkerFrame.Checked(id: try required(id), problems: try required(problems)))
        case .store: return .store(try decodeStore(&fields))
        case .stored: return .stored(try decodeStored(&fields))
        case .fetch: return .fetch(try decodeFetch(&fields))
        case .fetched: return .fetched(try decodeFetched(&fields))
        case .log:
            var app: String?
            var level: String?
            var message: String?
            while let (tag, bytes) = try fields.next() {
                switch LogTag(rawValue: tag) {
                case .app: app = FieldReader.text(bytes)
                case .level: level = FieldReader.text(bytes)
                case .message: message = FieldReader.text(bytes)
                case nil: throw malformed
                }
            }
            return .log(
                WorkerFrame.Log(app: try required(app), level: try required(level), message: try required(message))
            )
        case .recycle:
            guard try fields.next() == nil else { throw malformed }
            return .recycle
        case nil:
            throw malformed
        }
    }

    private static func decodeInvoke(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Invoke {
        var id: UInt64?
        var app: String?
        var version: Int?
        var file: String?
        var request: String?
        var timeoutMs: Int?
        var capture = false
        var body: [UInt8]?
        while let (tag, bytes) = try fields.next() {
            switch InvokeTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .app: app = FieldReader.text(bytes)
            case .version: version = try FieldReader.int(bytes)
            case .file: file = FieldReader.text(bytes)
            case .request: request = FieldReader.text(bytes)
            case .timeoutMs: timeoutMs = try FieldReader.int(bytes)
            case .capture: capture = true
            case .body: body = Array(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.Invoke(
            id: try required(id),
            app: try required(app),
            version: try required(version),
            file: try required(file),
            request: try required(request),
            body: body,
            timeoutMs: try required(timeoutMs),
            capture: capture
        )
    }

    private static func decodeResult(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.InvokeResult
    {
        var id: UInt64?
        var status: Int?
        var headers: [HeaderField] = []
        var body: [UInt8] = []
        var kind: InvocationFailure.Kind?
        var message: String?
        var location: String?
        var stack: String?
        var code: String?
        var usedStorage = false
        var output: String?
        while let (tag, bytes) = try fields.next() {
            switch ResultTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .status: status = try FieldReader.int(bytes)
            case .header: headers.append(try FieldReader.header(bytes))
            case .body: body = Array(bytes)
            case .failureKind:
                guard let value = InvocationFailure.Kind(rawValue: FieldReader.text(bytes)) else { throw malformed }
                kind = value
            case .failureMessage: message = FieldReader.text(bytes)
            case .failureLocation: location = FieldReader.text(bytes)
            case .failureStack: stack = FieldReader.text(bytes)
            case .failureCode: code = FieldReader.text(bytes)
            case .usedStorage: usedStorage = true
            case .output: output = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        let outcome: WorkerFrame.InvokeResult.Outcome
        if let kind {
            let failure = InvocationFailure(
                kind: kind,
                message: try required(message),
                location: location,
                stack: stack,
                code: code
            )
            outcome = .failure(failure)
        } else {
            outcome = .response(status: try required(status), headers: headers, body: body)
        }
        return WorkerFrame.InvokeResult(
            id: try required(id),
            outcome: outcome,
            usedStorage: usedStorage,
            output: output
        )
    }

    private static func decodeStore(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Store {
        var id: UInt64?
        var app: String?
        var op: StorageOp?
        var args: [String] = []
        var data: [UInt8]?
        var session: UInt64?
        var timeoutMs: Int?
        var pipelined = false
        while let (tag, bytes) = try fields.next() {
            switch StoreTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .app: app = FieldReader.text(bytes)
            case .op:
                guard let value = StorageOp(rawValue: FieldReader.text(bytes)) else { throw malformed }
                op = value
            case .arg: args.append(FieldReader.text(bytes))
            case .data: data = Array(bytes)
            case .session: session = try FieldReader.uint(bytes)
            case .timeoutMs: timeoutMs = try FieldReader.int(bytes)
            case .pipelined: pipelined = true
            case nil: throw malformed
            }
        }
        return WorkerFrame.Store(
            id: id,
            app: try required(app),
            op: try required(op),
            args: args,
            data: data,
            session: session,
            timeoutMs: timeoutMs,
            pipelined: pipelined
        )
    }

    private static func decodeStored(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Stored {
        var id: UInt64?
        var json: String?
        var data: [UInt8]?
        var code: String?
        var message: String?
        while let (tag, bytes) = try fields.next() {
            switch StoredTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .json: json = FieldReader.text(bytes)
            case .data: data = Array(bytes)
            case .code: code = FieldReader.text(bytes)
            case .message: message = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        let outcome: WorkerFrame.Stored.Outcome
        if let code {
            outcome = .failure(code: code, message: message ?? code)
        } else {
            outcome = .success(json: try required(json), data: data)
        }
        return WorkerFrame.Stored(id: try required(id), outcome: outcome)
    }

    private static func decodeFetch(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Fetch {
        var id: UInt64?
        var app: String?
        var url: String?
        var method: String?
        var headers: [HeaderField] = []
        var body: [UInt8]?
        while let (tag, bytes) = try fields.next() {
            switch FetchTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .app: app = FieldReader.text(bytes)
            case .url: url = FieldReader.text(bytes)
            case .method: method = FieldReader.text(bytes)
            case .header: headers.append(try FieldReader.header(bytes))
            case .body: body = Array(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.Fetch(
            id: try required(id),
            app: try required(app),
            url: try required(url),
            method: try required(method),
            headers: headers,
            body: body
        )
    }

    private static func decodeFetched(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Fetched {
        var id: UInt64?
        var status: Int?
        var headers: [HeaderField] = []
        var body: [UInt8] = []
        var url: String?
        var error: String?
        while let (tag, bytes) = try fields.next() {
            switch FetchedTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .status: status = try FieldReader.int(bytes)
            case .header: headers.append(try FieldReader.header(bytes))
            case .body: body = Array(bytes)
            case .url: url = FieldReader.text(bytes)
            case .error: error = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        let outcome: WorkerFrame.Fetched.Outcome
        if let error {
            outcome = .failure(message: error)
        } else {
            outcome = .response(status: try required(status), headers: headers, body: body, url: url ?? "")
        }
        return WorkerFrame.Fetched(id: try required(id), outcome: outcome)
    }

    private static func required<Value>(_ value: Value?) throws(InvocationFailure) -> Value {
        guard let value else { throw malformed }
        return value
    }

    private static let malformed = FieldReader.malformed
}
