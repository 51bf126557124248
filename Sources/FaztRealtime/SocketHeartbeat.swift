import NIOCore
import NIOWebSocket
import Synchronization

/// The sockets of one event loop: pings them and closes those that went silent (one repeating task
/// per loop instead of two timers per socket), and flushes what broadcasts wrote to them once per
/// loop tick (a burst of messages leaves each socket in one `writev`, not one per message).
final class SocketHeartbeat: @unchecked Sendable {
    // Safe: `sockets` is only touched on `loop`.
    private let loop: any EventLoop
    private let limits: RealtimeLimits
    private var sockets: [ObjectIdentifier: SocketConnection] = [:]
    private var task: RepeatedTask?
    /// Sockets written to since the last flush, and whether that flush is queued.
    private var dirty: [SocketConnection] = []
    private var flushQueued = false

    private init(loop: any EventLoop, limits: RealtimeLimits) {
        self.loop = loop
        self.limits = limits
    }

    private static let all = Mutex<[ObjectIdentifier: SocketHeartbeat]>([:])

    /// The heartbeat of `loop` (created on first use).
    static func on(_ loop: any EventLoop, limits: RealtimeLimits) -> SocketHeartbeat {
        all.withLock { all in
            if let existing = all[ObjectIdentifier(loop)] { return existing }
            let created = SocketHeartbeat(loop: loop, limits: limits)
            all[ObjectIdentifier(loop)] = created
            return created
        }
    }

    func add(_ socket: SocketConnection) {
        loop.assertInEventLoop()
        sockets[ObjectIdentifier(socket)] = socket
        if task == nil {
            let interval = TimeAmount.seconds(Int64(limits.pingIntervalSeconds))
            task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in beat() }
        }
    }

    func remove(_ socket: SocketConnection) {
        loop.assertInEventLoop()
        sockets[ObjectIdentifier(socket)] = nil
        if sockets.isEmpty {
            task?.cancel()
            task = nil
        }
    }

    /// Flushes `socket` at the end of this loop tick (after the other tasks already queued).
    func flushLater(_ socket: SocketConnection) {
        dirty.append(socket)
        guard !flushQueued else { return }
        flushQueued = true
        loop.execute { [self] in
            flushQueued = false
            let sockets = dirty
            dirty.removeAll(keepingCapacity: true)
            for socket in sockets { socket.flushPending() }
            if dirty.capacity > 1024, dirty.isEmpty { dirty = [] }
        }
    }

    private func beat() {
        let silentSince = NIODeadline.now() - .seconds(Int64(limits.readTimeoutSeconds))
        let allocator = ByteBufferAllocator()
        let json = WebSocketFrameBytes.text(ServerMessage.ping(), allocator: allocator)
        let ping = WebSocketFrameBytes.ping(allocator: allocator)
        for socket in Array(sockets.values) {
            if socket.lastHeard < silentSince {
                socket.closeSilent()
            } else {
                if socket.usesChannelProtocol { socket.write(json) }
                socket.write(ping)
            }
        }
    }
}
