import Glibc
import NIOCore
import NIOPosix

/// A temporary file that receives an upload body through the thread pool, in order.
final class SpoolFile: @unchecked Sendable {
    // Safe: `descriptor` is opened in `init` and then used only by the serialized chain of writes
    // (each starts after the previous one finished) and finally by `close`, after the last write.
    let path: String
    private var descriptor: Int32

    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw APIError(status: .internalServerError, code: "internal", message: "cannot create upload file")
        }
        self.path = path
        self.descriptor = fd
    }

    deinit { close() }

    /// Writes all of `buffer` (blocking; run on the thread pool).
    func write(_ buffer: ByteBuffer) throws {
        var remaining = buffer
        while remaining.readableBytes > 0 {
            let written = remaining.withUnsafeReadableBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw APIError(
                    status: .internalServerError,
                    code: "internal",
                    message: "cannot write upload: errno \(errno)"
                )
            }
            remaining.moveReaderIndex(forwardBy: written)
        }
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    /// Closes and deletes the file.
    func discard() {
        close()
        unlink(path)
    }
}
