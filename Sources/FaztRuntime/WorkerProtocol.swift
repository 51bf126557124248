import Foundation
import Glibc

/// The daemon ↔ worker protocol: length-prefixed JSON frames over the worker's stdin/stdout.
///
/// Every frame is a 4-byte big-endian length and that many bytes of JSON. The worker opens with
/// `hello` carrying `protocolVersion`; a peer that speaks another version, sends a frame over the
/// limit or anything that does not decode is treated as broken (the daemon kills such a worker).
enum WorkerProtocol {
    static let version = 1
    static let maxFrameBytes = 64 << 20
}

/// One protocol message; `type` says which fields are set.
struct WorkerMessage: Codable, Sendable {
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
    /// `result`: the normalized response as JSON (see `InvocationResponse`), or `failure`.
    var response: String?
    var failure: InvocationFailure?
    var level: String?
    var message: String?
    /// `check`: scripts to parse; the `result` carries `problems`.
    var sources: [ScriptSource]?
    var problems: [ScriptProblem]?
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

/// A syntax error found at deploy time.
public struct ScriptProblem: Codable, Sendable {
    public var path: String
    /// `file:line`.
    public var location: String?
    public var message: String
}

/// Why an invocation produced no response.
public struct InvocationFailure: Codable, Sendable, Error {
    /// `exception` (the app threw), `timeout`, `memory`, `crash`, `internal`.
    public var kind: String
    public var message: String
    public var location: String?
    public var stack: String?
}

/// Reads frames from a file descriptor (blocking).
final class FrameReader {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }

    /// The next message; nil at end of stream; throws on a malformed frame.
    func next() throws -> WorkerMessage? {
        var header = [UInt8](repeating: 0, count: 4)
        guard try readFully(&header) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length > 0, length <= WorkerProtocol.maxFrameBytes else {
            throw InvocationFailure(kind: "internal", message: "bad frame length \(length)")
        }
        var payload = [UInt8](repeating: 0, count: length)
        guard try readFully(&payload) else { throw InvocationFailure(kind: "internal", message: "truncated frame") }
        return try JSONDecoder().decode(WorkerMessage.self, from: Data(payload))
    }

    private func readFully(_ buffer: inout [UInt8]) throws -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if count == 0 {
                if offset == 0 { return false }
                throw InvocationFailure(kind: "internal", message: "stream ended inside a frame")
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InvocationFailure(kind: "internal", message: "read failed: errno \(errno)")
            }
            offset += count
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

    func send(_ message: WorkerMessage) throws {
        let payload = try JSONEncoder().encode(message)
        let length = payload.count
        var frame: [UInt8] = [
            UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ]
        frame.append(contentsOf: payload)
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw InvocationFailure(kind: "crash", message: "the worker's channel is closed (errno \(errno))")
            }
            offset += written
        }
    }
}
