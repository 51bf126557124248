import Foundation
import Glibc

/// The daemon ↔ worker protocol: length-prefixed JSON frames over the worker's stdin/stdout.
///
/// Every frame is a 4-byte big-endian length and a payload of fields, each a one-byte tag, a 4-byte
/// big-endian length and its bytes (`FrameCodec`; no JSON on the hot path). The worker opens with
/// `hello` carrying `protocolVersion`; a peer that speaks another version, sends a frame over the
/// limit or anything that does not decode is treated as broken (the daemon kills such a worker).
enum WorkerProtocol {
    static let version = 3
    static let maxFrameBytes = 64 << 20
}

/// One protocol message; `type` says which fields are set.
struct WorkerMessage: Sendable {
    /// `hello`, `invoke`, `result`, `log`.
    var type: String
    var id: UInt64?
    var protocolVersion: Int?
    var app: String?
    var version: Int?
    var file: String?
    /// `invoke`: the request as JSON (see `InvocationRequest`).
    var request: String?
    var timeoutMs: Int?
    /// `result`, `fetched`: the response (status, header fields in order, body bytes), or `failure`.
    var status: Int?
    var headers: [(String, String)]?
    var body: [UInt8]?
    var failure: InvocationFailure?
    var level: String?
    var message: String?
    /// `check`: scripts to parse; the `result` carries `problems`.
    var sources: [ScriptSource]?
    var problems: [ScriptProblem]?
    /// `store`: the storage call (`kv.set`, `tx.begin`, …), its arguments and transaction session.
    var op: String?
    var args: [String]?
    var session: UInt64?
    /// `stored`: the error code of a failed storage call (with `message`).
    var code: String?
    /// `result`: the invocation used storage (the daemon holds the response until it is durable).
    var storage: Bool?
    /// `invoke`: keep the invocation's console output and send it back in the result's `output`.
    var capture: Bool?
    var output: String?
}

/// A script to syntax-check at deploy time.
public struct ScriptSource: Codable, Sendable {
    public var path: String
    public var source: String

    public init(path: String, source: String) {
        self.path = path
        self.source = source
    }
}

/// A problem found at deploy time: a syntax error, or exports that are not a handler.
public struct ScriptProblem: Codable, Sendable {
    public var path: String
    /// `file:line`.
    public var location: String?
    public var message: String
    /// nil for a syntax error; `bad_handler` when the file parses but exports no handler (the
    /// message then starts with the path).
    public var code: String?

    init(path: String, location: String? = nil, message: String, code: String? = nil) {
        self.path = path
        self.location = location
        self.message = message
        self.code = code
    }
}

/// Reads frames from a file descriptor (blocking), through a buffer: frames that arrive together
/// cost one `read(2)`.
final class FrameReader {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    private var start = 0
    private var end = 0

    init(fd: Int32) { self.fd = fd }

    /// True when bytes are already buffered (poll(2) on the descriptor would not see them).
    var hasBufferedBytes: Bool { end > start }

    /// The next message; nil at end of stream; throws on a malformed frame.
    func next() throws -> WorkerMessage? {
        var header = [UInt8](repeating: 0, count: 4)
        guard try readFully(&header) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length > 0, length <= WorkerProtocol.maxFrameBytes else {
            throw InvocationFailure(kind: .internal, message: "bad frame length \(length)")
        }
        var payload = [UInt8](repeating: 0, count: length)
        guard try readFully(&payload) else { throw InvocationFailure(kind: .internal, message: "truncated frame") }
        return try FrameCodec.decode(payload)
    }

    private func readFully(_ target: inout [UInt8]) throws -> Bool {
        var offset = 0
        while offset < target.count {
            if end > start {
                let take = min(end - start, target.count - offset)
                target.withUnsafeMutableBytes { out in
                    buffer.withUnsafeBytes { source in
                        if let destination = out.baseAddress, let from = source.baseAddress {
                            (destination + offset).copyMemory(from: from + start, byteCount: take)
                        }
                    }
                }
                start += take
                offset += take
                continue
            }
            // Large payloads go straight into the target; small reads fill the buffer.
            let direct = target.count - offset >= buffer.count
            let count =
                direct
                ? target.withUnsafeMutableBytes { raw in
                    read(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                }
                : buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            if count == 0 {
                if offset == 0 { return false }
                throw InvocationFailure(kind: .internal, message: "stream ended inside a frame")
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InvocationFailure(kind: .internal, message: "read failed: errno \(errno)")
            }
            if direct {
                offset += count
            } else {
                start = 0
                end = count
            }
        }
        return true
    }
}

/// Writes frames to a file descriptor; safe to call from several threads.
final class FrameWriter: @unchecked Sendable {
    // Safe: every write happens under `lock`, so frames never interleave.
    private let fd: Int32
    private let lock = NSLock()

    init(fd: Int32) { self.fd = fd }

    /// Frames queued by `hold`, written with the next `send`.
    private var held: [UInt8] = []

    /// Queues one frame to go out with the next `send`, in order (one `write(2)` for both).
    func hold(_ message: WorkerMessage) throws {
        let frame = try Self.frame(message)
        lock.lock()
        held.append(contentsOf: frame)
        lock.unlock()
    }

    private static func frame(_ message: WorkerMessage) throws -> [UInt8] {
        let payload = try FrameCodec.encode(message)
        let length = payload.count
        var frame: [UInt8] = [
            UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ]
        frame.append(contentsOf: payload)
        return frame
    }

    /// Writes one frame (after any held ones); `whileLocked` runs first under the same lock, so
    /// bookkeeping done there happens in exactly the order the frames go out.
    func send(_ message: WorkerMessage, whileLocked: () -> Void = {}) throws {
        var frame = try Self.frame(message)
        lock.lock()
        defer { lock.unlock() }
        if !held.isEmpty {
            frame = held + frame
            held.removeAll(keepingCapacity: true)
        }
        whileLocked()
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw InvocationFailure(kind: .crash, message: "the worker's channel is closed (errno \(errno))")
            }
            offset += written
        }
    }
}

/// The binary field encoding of `WorkerMessage` (tag, length, bytes per field).
enum FrameCodec {
    private enum Tag: UInt8 {
        case type = 1
        case id
        case protocolVersion
        case app
        case version
        case file
        case request
        case timeoutMs
        case failure
        case level
        case message
        case sources
        case problems
        case status
        /// One header field: a 4-byte big-endian name length, the name, then the value.
        case header
        case body
        case op
        case arg
        case session
        case code
        case storage
        case capture
        case output
    }

    static func encode(_ message: WorkerMessage) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (message.request?.utf8.count ?? 0) + (message.body?.count ?? 0))
        func put(_ tag: Tag, _ bytes: some Collection<UInt8>) {
            let count = bytes.count
            out.append(tag.rawValue)
            out.append(contentsOf: [
                UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF),
            ])
            out.append(contentsOf: bytes)
        }
        func put(_ tag: Tag, _ text: String?) { if let text { put(tag, text.utf8) } }
        func put(_ tag: Tag, _ number: (some BinaryInteger)?) { if let number { put(tag, String(number).utf8) } }
        func put(_ tag: Tag, json value: (some Encodable)?) throws {
            if let value { put(tag, try JSONEncoder().encode(value)) }
        }
        put(.type, message.type)
        put(.id, message.id)
        put(.protocolVersion, message.protocolVersion)
        put(.app, message.app)
        put(.version, message.version)
        put(.file, message.file)
        put(.request, message.request)
        put(.timeoutMs, message.timeoutMs)
        put(.level, message.level)
        put(.message, message.message)
        put(.status, message.status)
        for (name, value) in message.headers ?? [] {
            var field = bigEndian(name.utf8.count)
            field.append(contentsOf: name.utf8)
            field.append(contentsOf: value.utf8)
            put(.header, field)
        }
        if let body = message.body { put(.body, body) }
        put(.op, message.op)
        for arg in message.args ?? [] { put(.arg, arg.utf8) }
        put(.session, message.session)
        put(.code, message.code)
        if message.storage == true { put(.storage, "1") }
        if message.capture == true { put(.capture, "1") }
        put(.output, message.output)
        try put(.failure, json: message.failure)
        try put(.sources, json: message.sources)
        try put(.problems, json: message.problems)
        return out
    }

    static func decode(_ payload: [UInt8]) throws -> WorkerMessage {
        var message = WorkerMessage(type: "")
        var index = 0
        while index < payload.count {
            guard index + 5 <= payload.count else { throw malformed }
            let tag = payload[index]
            let length =
                Int(payload[index + 1]) << 24 | Int(payload[index + 2]) << 16 | Int(payload[index + 3]) << 8
                | Int(payload[index + 4])
            let start = index + 5
            guard length >= 0, start + length <= payload.count else { throw malformed }
            let bytes = payload[start..<start + length]
            index = start + length
            let text = { String(decoding: bytes, as: UTF8.self) }
            switch Tag(rawValue: tag) {
            case .type: message.type = text()
            case .id: message.id = UInt64(text())
            case .protocolVersion: message.protocolVersion = Int(text())
            case .app: message.app = text()
            case .version: message.version = Int(text())
            case .file: message.file = text()
            case .request: message.request = text()
            case .timeoutMs: message.timeoutMs = Int(text())
            case .level: message.level = text()
            case .message: message.message = text()
            case .status: message.status = Int(text())
            case .header:
                guard bytes.count >= 4 else { throw malformed }
                let base = bytes.startIndex
                let nameLength =
                    Int(bytes[base]) << 24 | Int(bytes[base + 1]) << 16 | Int(bytes[base + 2]) << 8
                    | Int(bytes[base + 3])
                guard nameLength <= bytes.count - 4 else { throw malformed }
                let name = String(decoding: bytes[(base + 4)..<(base + 4 + nameLength)], as: UTF8.self)
                let value = String(decoding: bytes[(base + 4 + nameLength)...], as: UTF8.self)
                message.headers = (message.headers ?? []) + [(name, value)]
            case .body: message.body = Array(bytes)
            case .op: message.op = text()
            case .arg:
                if message.args == nil { message.args = [] }
                message.args?.append(text())
            case .session: message.session = UInt64(text())
            case .code: message.code = text()
            case .storage: message.storage = true
            case .capture: message.capture = true
            case .output: message.output = text()
            case .failure: message.failure = try JSONDecoder().decode(InvocationFailure.self, from: Data(bytes))
            case .sources: message.sources = try JSONDecoder().decode([ScriptSource].self, from: Data(bytes))
            case .problems: message.problems = try JSONDecoder().decode([ScriptProblem].self, from: Data(bytes))
            case nil: throw malformed
            }
        }
        guard !message.type.isEmpty else { throw malformed }
        return message
    }

    private static func bigEndian(_ count: Int) -> [UInt8] {
        [UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }

    private static let malformed = InvocationFailure(kind: .internal, message: "malformed frame")
}
