import Foundation
import Glibc

/// The worker's side of the pipe: reads frames from a file descriptor (blocking), through a
/// buffer, so frames that arrive together cost one `read(2)`. (The daemon's side is a NIO channel,
/// `WorkerChannel`.)
final class FrameReader {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    private var start = 0
    private var end = 0

    init(fd: Int32) { self.fd = fd }

    /// True when bytes are already buffered (poll(2) on the descriptor would not see them).
    var hasBufferedBytes: Bool { end > start }

    /// The next frame; nil at end of stream; throws on a malformed frame.
    func next() throws -> WorkerFrame? {
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

/// Writes frames to a file descriptor (the worker's stdout); safe to call from several threads.
final class FrameWriter: @unchecked Sendable {
    // Safe: every write happens under `lock`, so frames never interleave.
    private let fd: Int32
    private let lock = NSLock()

    init(fd: Int32) { self.fd = fd }

    /// Frames queued by `hold`, written with the next `send`.
    private var held: [UInt8] = []

    /// Queues one frame to go out with the next `send`, in order (one `write(2)` for both).
    func hold(_ message: WorkerFrame) throws {
        let frame = try Self.frame(message)
        lock.lock()
        held.append(contentsOf: frame)
        lock.unlock()
    }

    private static func frame(_ message: WorkerFrame) throws -> [UInt8] {
        let payload = try FrameCodec.encode(message)
        let length = payload.count
        var frame: [UInt8] = [
            UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF),
        ]
        frame.append(contentsOf: payload)
        return frame
    }

    /// Writes one frame (after any held ones).
    func send(_ message: WorkerFrame) throws {
        var frame = try Self.frame(message)
        lock.lock()
        defer { lock.unlock() }
        if !held.isEmpty {
            frame = held + frame
            held.removeAll(keepingCapacity: true)
        }
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
