import CFaztSystem
import CZlib
import FaztStore
import Foundation
import Glibc

/// Streams files through gzip (the format `gunzip` reads) without holding them in memory.
enum GzipFile {
    /// What one pass wrote: bytes out, and the SHA-256 of the compressed stream.
    struct Result {
        var bytesIn: Int64
        var bytesOut: Int64
        var sha256: String
    }

    static let chunk = 256 * 1024

    /// Compresses `source` into a new file `destination` (synced before returning).
    ///
    /// Level 1: a backup of a large database is limited by the CPU on small machines, and level 1
    /// already shrinks SQLite pages well.
    ///
    /// `bytesPerSecond()` paces the reading of `source`, asked before each 256 KB (nil: as fast as
    /// the CPU allows).
    static func compress(
        _ source: String,
        to destination: String,
        level: Int32 = 1,
        bytesPerSecond: () -> Int? = { nil }
    ) throws -> Result {
        let input = try RawFile(reading: source)
        let output = try RawFile(creating: destination)
        var stream = z_stream()
        guard fazt_deflate_init_gzip(&stream, level) == Z_OK else {
            throw BackupError(.io, "cannot start gzip compression")
        }
        defer { deflateEnd(&stream) }
        let hasher = SHA256Hasher()
        var inBuffer = [UInt8](repeating: 0, count: chunk)
        var outBuffer = [UInt8](repeating: 0, count: chunk)
        var total: Int64 = 0
        var written: Int64 = 0
        var finished = false
        while !finished {
            let stepStarted = DispatchTime.now().uptimeNanoseconds
            let count = try input.read(into: &inBuffer)
            total += Int64(count)
            let flush = count == 0 ? Z_FINISH : Z_NO_FLUSH
            try inBuffer.withUnsafeMutableBytes { raw in
                stream.next_in = raw.bindMemory(to: Bytef.self).baseAddress
                stream.avail_in = uInt(count)
                repeat {
                    let (result, produced) = outBuffer.withUnsafeMutableBytes { out -> (Int32, Int) in
                        stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                        stream.avail_out = uInt(out.count)
                        let result = deflate(&stream, flush)
                        return (result, out.count - Int(stream.avail_out))
                    }
                    guard result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR else {
                        throw BackupError(.io, "gzip compression failed (zlib \(result))")
                    }
                    try outBuffer.withUnsafeBytes {
                        try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced]))
                    }
                    outBuffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                    written += Int64(produced)
                    output.startWriteBack(upTo: written)
                    if result == Z_STREAM_END { finished = true }
                } while stream.avail_out == 0 || (flush == Z_FINISH && !finished)
            }
            if !finished, let rate = bytesPerSecond(), rate > 0 {
                Pacing.wait(bytes: count, bytesPerSecond: rate, since: stepStarted)
            }
        }
        try output.sync()
        return Result(bytesIn: total, bytesOut: written, sha256: hasher.finish().hex)
    }

    /// Decompresses gzip `source` into a new file `destination` (synced before returning); the
    /// SHA-256 in the result is of the compressed input, to compare with a manifest.
    static func decompress(_ source: String, to destination: String) throws -> Result {
        let input = try RawFile(reading: source)
        let output = try RawFile(creating: destination)
        var stream = z_stream()
        guard fazt_inflate_init_auto(&stream) == Z_OK else { throw BackupError(.io, "cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        let hasher = SHA256Hasher()
        var inBuffer = [UInt8](repeating: 0, count: chunk)
        var outBuffer = [UInt8](repeating: 0, count: chunk)
        var total: Int64 = 0
        var written: Int64 = 0
        var ended = false
        while true {
            let count = try input.read(into: &inBuffer)
            if count == 0 { break }
            total += Int64(count)
            inBuffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if ended { continue }  // bytes after the stream: hashed, ignored
            try inBuffer.withUnsafeMutableBytes { raw in
                stream.next_in = raw.bindMemory(to: Bytef.self).baseAddress
                stream.avail_in = uInt(count)
                while stream.avail_in > 0 && !ended {
                    let (result, produced) = outBuffer.withUnsafeMutableBytes { out -> (Int32, Int) in
                        stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                        stream.avail_out = uInt(out.count)
                        let result = inflate(&stream, Z_NO_FLUSH)
                        return (result, out.count - Int(stream.avail_out))
                    }
                    guard result == Z_OK || result == Z_STREAM_END || (result == Z_BUF_ERROR && produced > 0) else {
                        throw BackupError(.corrupt, "\(source) is not a valid gzip file (zlib \(result))")
                    }
                    try outBuffer.withUnsafeBytes {
                        try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced]))
                    }
                    written += Int64(produced)
                    if result == Z_STREAM_END { ended = true }
                }
            }
        }
        guard ended else { throw BackupError(.corrupt, "\(source) ends before its gzip stream does (truncated?)") }
        try output.sync()
        return Result(bytesIn: total, bytesOut: written, sha256: hasher.finish().hex)
    }
}

/// A file descriptor closed in `deinit`, with checked reads and writes (EINTR retried).
final class RawFile {
    let descriptor: Int32
    let path: String

    init(reading path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw RawFile.error("cannot open", path) }
        self.descriptor = descriptor
        self.path = path
    }

    /// Creates `path` (mode 0600), failing if it exists.
    init(creating path: String, mode: mode_t = 0o600) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw RawFile.error("cannot create", path) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    func read(into buffer: inout [UInt8]) throws -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { throw RawFile.error("cannot read", path) }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw RawFile.error("cannot write", path)
            }
            offset += count
        }
    }

    private var writeBackStarted: Int64 = 0
    private var writeBackWaited: Int64 = 0

    /// Starts writing back what was written up to `offset` in steps of 1 MB, and waits for the step
    /// before it to be on the disk: at most two steps are in flight, so a WAL sync of the server's
    /// never queues behind more than about 2 MB of the backup (and the final `fsync` has little left).
    func startWriteBack(upTo offset: Int64) {
        let step: Int64 = 1 << 20
        guard offset - writeBackStarted >= step else { return }
        if writeBackStarted > writeBackWaited {
            _ = fazt_wait_writeback(descriptor, writeBackWaited, writeBackStarted - writeBackWaited)
            writeBackWaited = writeBackStarted
        }
        _ = fazt_start_writeback(descriptor, writeBackStarted, offset - writeBackStarted)
        writeBackStarted = offset
    }

    func sync() throws {
        guard fsync(descriptor) == 0 else { throw RawFile.error("cannot sync", path) }
    }

    static func error(_ what: String, _ path: String) -> BackupError {
        BackupError(.io, "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// Syncs the directory holding `path`, so a rename into it survives power loss.
    static func syncDirectory(of path: String) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}
