import FaztRealtime
import FaztRuntime
import FaztStorage
import FaztVFS
import Foundation
import Synchronization

/// One socket's events for its app's socket handler (`api/_socket.js`, or `realtime.handler` in
/// `fazt.json`): `open(ws, req)`, `message(ws, data)` and `close(ws, code, reason)`.
///
/// Each event is an ordinary invocation in a worker (time and memory limits, logs, failures in the
/// run history); between events nothing of the app is held in JavaScript. Events of one socket run
/// one at a time and in order (`SocketEventQueue`), each in the app's live version when it starts,
/// so the first event after a deploy or rollback runs the new code (or none, if the new version
/// has no handler). `ws` is rebuilt from the hub's record of the socket at each event, which is why
/// `setAttachment` survives worker restarts.
final class AppSocketEvents: SocketEvents {
    /// The handler file when the manifest names none.
    static let defaultHandler = "api/_socket.js"

    private struct State {
        var queue = SocketEventQueue()
        /// The handshake as JavaScript sees it (`req` of `open`); dropped once `open` has started.
        var request: String?
        var decide: (@Sendable (Bool) -> Void)?
    }

    private let app: String
    private let services: ServerServices
    private let state: Mutex<State>

    /// Events of a socket of `app` that upgraded with `request` (the JSON an HTTP handler gets).
    init(app: String, request: String, services: ServerServices) {
        self.app = app
        self.services = services
        self.state = Mutex(State(request: request))
    }

    /// The handler file of a live version, or nil when it has none.
    static func handler(of snapshot: AppSnapshot) -> String? {
        let file = snapshot.manifest.realtime.handler ?? defaultHandler
        return snapshot.files[file] != nil ? file : nil
    }

    // MARK: SocketEvents (called on the socket's loop)

    func opened(_ socket: SocketConnection, decide: @escaping @Sendable (Bool) -> Void) {
        state.withLock { $0.decide = decide }
        add(.open, socket)
    }

    func message(_ socket: SocketConnection, text: String?, binary: [UInt8]?) {
        add(.message(text: text, binary: binary), socket)
    }

    func closed(_ socket: SocketConnection, code: UInt16, reason: String) {
        // The hub forgets the socket right after this call: keep its last tags and attachment.
        let record = services.realtime.hub.socket(app: app, id: socket.socketID).map(RealtimeKernel.json)
        add(.close(code: code, reason: reason, socket: record), socket)
    }

    // MARK: Running events

    private func add(_ event: SocketEventQueue.Event, _ socket: SocketConnection) {
        switch state.withLock({ $0.queue.add(event) }) {
        case .start(let event): start(event, socket)
        case .queued, .dropped: break
        case .overflow:
            let limits = SocketEventQueue()
            socket.shutdown(
                code: CloseCode.policyViolation,
                reason:
                    "more than \(limits.maxPending) messages or \(limits.maxPendingBytes >> 20) MB wait for the socket handler"
            )
        }
    }

    /// Runs `event` in the app's live version, then `finish`es it on the socket's loop.
    private func start(_ event: SocketEventQueue.Event, _ socket: SocketConnection) {
        switch services.realtime.lookup(app) {
        case .live(let served):
            invoke(event, socket, served)
        case .missing:
            socket.eventLoop.execute { self.finish(event, socket, accepted: true) }
        case .unknown:
            // Loading a version reads the database: never on the loop.
            DispatchQueue.global().async {
                guard let served = self.services.realtime.served(self.app) else {
                    return socket.eventLoop.execute { self.finish(event, socket, accepted: true) }
                }
                self.invoke(event, socket, served)
            }
        }
    }

    private func invoke(_ event: SocketEventQueue.Event, _ socket: SocketConnection, _ served: ServedApp) {
        let snapshot = served.snapshot
        guard let file = Self.handler(of: snapshot) else {
            // This version has no handler (a deploy removed it): the event is dropped.
            return socket.eventLoop.execute { self.finish(event, socket, accepted: true) }
        }
        let request = state.withLock { state -> String? in
            guard case .open = event else { return nil }
            defer { state.request = nil }
            return state.request
        }
        let (json, bytes) = payload(event, socket, request: request)
        let serverLimit = services.configuration.invocationTimeoutMs
        let timeout = snapshot.manifest.timeoutMs.map { min($0, serverLimit) } ?? serverLimit
        let started = StorageExecutor.wallClock()
        let app = self.app
        let failures = services.failures
        services.supervisor.invoke(
            app: app,
            version: snapshot.version,
            file: file,
            requestJSON: json,
            body: bytes,
            timeoutMs: timeout,
            memoryLimit: snapshot.manifest.memoryMB.map { $0 << 20 }
        ) { result in
            switch result {
            case .response(let answer):
                // `open` answers `false` to refuse the socket.
                let refused = event == .open && answer.body == Array("false".utf8)
                socket.eventLoop.execute { self.finish(event, socket, accepted: !refused) }
            case .failure(let failure):
                failures.record(
                    app: app,
                    kind: "socket",
                    file: file,
                    failure: failure,
                    startedAt: started,
                    durationMs: StorageExecutor.wallClock() - started
                ) { _ in }
                // An `open` that failed refuses the socket; a failed message or close is logged.
                socket.eventLoop.execute { self.finish(event, socket, accepted: false) }
            }
        }
    }

    /// On the socket's loop: an event ended; tells the socket whether `open` accepted it, and
    /// starts the next event.
    private func finish(_ event: SocketEventQueue.Event, _ socket: SocketConnection, accepted: Bool) {
        let isOpen = event == .open
        let (next, decide) = state.withLock { state in
            let next = state.queue.finished(refused: isOpen && !accepted)
            let decide = isOpen ? state.decide : nil
            if isOpen { state.decide = nil }
            return (next, decide)
        }
        decide?(accepted)
        if let next { start(next, socket) }
    }

    /// The invocation's JSON (`{"__fazt":"socket","event":…}`) and, for a binary message, its bytes.
    private func payload(
        _ event: SocketEventQueue.Event,
        _ socket: SocketConnection,
        request: String?
    ) -> (String, [UInt8]?) {
        var out = JSONText()
        let record: String
        if case .close(_, _, let kept?) = event {
            record = kept
        } else if let live = services.realtime.hub.socket(app: app, id: socket.socketID) {
            record = RealtimeKernel.json(live)
        } else {
            // Closed meanwhile (its close event comes next): what is known without the hub.
            record = RealtimeKernel.json(id: socket.socketID, tags: [], attachment: nil, user: socket.user)
        }
        var bytes: [UInt8]?
        switch event {
        case .open:
            out.raw(#"{"__fazt":"socket","event":"open","socket":"#)
            out.raw(record)
            out.raw(#","request":"#)
            out.raw(request ?? #"{"method":"GET","path":"/_ws","url":"","query":{},"headers":{},"ip":""}"#)
        case .message(let text, let binary):
            out.raw(#"{"__fazt":"socket","event":"message","socket":"#)
            out.raw(record)
            if let text {
                out.raw(#","binary":false,"data":"#)
                out.string(text)
            } else {
                out.raw(#","binary":true,"data":null"#)
                bytes = binary ?? []
            }
        case .close(let code, let reason, _):
            out.raw(#"{"__fazt":"socket","event":"close","socket":"#)
            out.raw(record)
            out.raw(#","code":\#(code),"reason":"#)
            out.string(reason)
        }
        out.raw("}")
        return (out.text, bytes)
    }
}
