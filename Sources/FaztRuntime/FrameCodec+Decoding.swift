import FaztNet
import FaztStorage
import Foundation

/// Decoding: one function per case, each refusing tags its case does not have and missing fields.
extension FrameCodec {
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
            var modules: [CompiledModule] = []
            while let (tag, bytes) = try fields.next() {
                switch CheckedTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case .problems:
                    guard let list = try? JSONDecoder().decode([ScriptProblem].self, from: Data(bytes)) else {
                        throw malformed
                    }
                    problems = list
                case .modules:
                    guard let list = try? JSONDecoder().decode([CompiledModule].self, from: Data(bytes)) else {
                        throw malformed
                    }
                    modules = list
                case nil: throw malformed
                }
            }
            return .checked(
                WorkerFrame.Checked(id: try required(id), problems: try required(problems), modules: modules)
            )
        case .store: return .store(try decodeStore(&fields))
        case .stored: return .stored(try decodeStored(&fields))
        case .fetch: return .fetch(try decodeFetch(&fields))
        case .fetched: return .fetched(try decodeFetched(&fields))
        case .ai: return .ai(try decodeAIStart(&fields))
        case .aiEvent:
            var id: UInt64?
            var event: String?
            while let (tag, bytes) = try fields.next() {
                switch AIEventTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case .event: event = FieldReader.text(bytes)
                case nil: throw malformed
                }
            }
            return .aiEvent(WorkerFrame.AIEvent(id: try required(id), event: try required(event)))
        case .aiDone: return .aiDone(try decodeAIDone(&fields))
        case .aiCancel:
            var id: UInt64?
            while let (tag, bytes) = try fields.next() {
                switch AICancelTag(rawValue: tag) {
                case .id: id = try FieldReader.uint(bytes)
                case nil: throw malformed
                }
            }
            return .aiCancel(try required(id))
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
        case .responseStart: return .responseStart(try decodeResponseStart(&fields))
        case .responseChunk: return .responseChunk(try decodeResponseChunk(&fields))
        case .responseEnd: return .responseEnd(try decodeResponseEnd(&fields))
        case nil:
            throw malformed
        }
    }

    fileprivate static func decodeInvoke(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Invoke {
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

    fileprivate static func decodeResult(
        _ fields: inout FieldReader
    ) throws(InvocationFailure) -> WorkerFrame.InvokeResult {
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

    fileprivate static func decodeStore(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Store {
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

    fileprivate static func decodeStored(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Stored {
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

    fileprivate static func decodeFetch(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Fetch {
        var id: UInt64?
        var app: String?
        var url: String?
        var method: String?
        var headers: [HeaderField] = []
        var body: [UInt8]?
        var auth = FetchAuth()
        while let (tag, bytes) = try fields.next() {
            switch FetchTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .app: app = FieldReader.text(bytes)
            case .url: url = FieldReader.text(bytes)
            case .method: method = FieldReader.text(bytes)
            case .header: headers.append(try FieldReader.header(bytes))
            case .body: body = Array(bytes)
            case .authSecret: auth.secret = FieldReader.text(bytes)
            case .authHeader: auth.header = FieldReader.text(bytes)
            case .authScheme: auth.scheme = FieldReader.text(bytes)
            case .connection: auth.connection = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.Fetch(
            id: try required(id),
            app: try required(app),
            url: try required(url),
            method: try required(method),
            headers: headers,
            body: body,
            auth: auth
        )
    }

    fileprivate static func decodeFetched(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.Fetched
    {
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

    fileprivate static func decodeAIStart(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.AIStart
    {
        var id: UInt64?
        var app: String?
        var mode: AICallMode?
        var options: String?
        while let (tag, bytes) = try fields.next() {
            switch AIStartTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .app: app = FieldReader.text(bytes)
            case .mode:
                guard let known = AICallMode(rawValue: FieldReader.text(bytes)) else { throw malformed }
                mode = known
            case .options: options = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.AIStart(
            id: try required(id),
            app: try required(app),
            mode: try required(mode),
            options: try required(options)
        )
    }

    fileprivate static func decodeAIDone(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.AIDone {
        var id: UInt64?
        var json: String?
        var code: String?
        var message: String?
        while let (tag, bytes) = try fields.next() {
            switch AIDoneTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .json: json = FieldReader.text(bytes)
            case .code: code = FieldReader.text(bytes)
            case .message: message = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        let outcome: WorkerFrame.AIDone.Outcome
        if let code {
            outcome = .failure(code: code, message: message ?? code)
        } else {
            outcome = .result(json: try required(json))
        }
        return WorkerFrame.AIDone(id: try required(id), outcome: outcome)
    }
}
