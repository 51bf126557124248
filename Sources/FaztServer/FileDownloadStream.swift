import Foundation
import NIOCore
import NIOPosix

/// A file on the server's disk sent as a response body (a backup download), read in pieces on the
/// thread pool: the next piece is read only once the previous one is handed to the socket, so a
/// slow client holds one piece in memory, never the file.
final class FileDownloadStream: FiniteResponseStream, @unchecked Sendable {
    // Safe: `stopped`, `reading` and `handle` are touched on the channel's event loop only
    // (`start`, each read's completion and `stop`, called from the channel's close future, all run
    // there). The pool thread only reads through the handle while `reading` keeps it open.
    private let path: String
    private let pool: NIOThreadPool
    private var handle: FileHandle?
    private var stopped = false
    /// A read is on the pool: the handle is closed when it completes, never under it.
    private var reading = false

    static let pieceBytes = 256 << 10

    init(path: String, pool: NIOThreadPool) {
        self.path = path
        self.pool = pool
    }

    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        guard let opened = FileHandle(forReadingAtPath: path) else { return end() }
        handle = opened
        next(on: loop, write: write, end: end)
    }

    func stop() {
        stopped = true
        guard !reading else { return }
        try? handle?.close()
        handle = nil
    }

    private func next(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        guard !stopped, let handle else { return }
        let box = UncheckedHandle(handle: handle)
        reading = true
        pool.runIfActive(eventLoop: loop) { try box.handle.read(upToCount: Self.pieceBytes) ?? Data() }
            .assumeIsolated().whenComplete { [self] result in
                reading = false
                guard !stopped else { return stop() }
                guard case .success(let data) = result, !data.isEmpty else {
                    stop()
                    return end()
                }
                write(ByteBuffer(bytes: data)).assumeIsolated().whenSuccess { [self] in
                    next(on: loop, write: write, end: end)
                }
            }
    }

    /// The handle crosses to the pool thread for one read at a time.
    private struct UncheckedHandle: @unchecked Sendable {
        let handle: FileHandle
    }
}
