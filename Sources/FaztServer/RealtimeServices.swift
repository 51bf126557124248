import FaztRealtime
import FaztVFS
import Glibc
import Synchronization

/// The server's side of realtime: the hub, the key that signs connection tokens, and how a socket
/// reads its app's current options.
final class RealtimeServices: Sendable {
    let hub: RealtimeHub
    private let tokenMaster: [UInt8]
    private let catalog: AppCatalog

    init(limits: RealtimeLimits, tokenMaster: [UInt8], catalog: AppCatalog) {
        self.hub = RealtimeHub(limits: limits)
        self.tokenMaster = tokenMaster
        self.catalog = catalog
    }

    /// What every socket of one app shares (the token key, the options lookup, the clock): one
    /// object per app, not per socket.
    private typealias AppShared = SocketConnection.AppShared

    private let shared = Mutex<[String: AppShared]>([:])

    /// The key that signs `app`'s connection tokens (never handed to JavaScript).
    func tokenKey(app: String) -> [UInt8] {
        appShared(app, initial: nil).tokenKey
    }

    /// `app`'s shared parts; its options are read from the catalog at each use (a deploy changes
    /// them), falling back to the last ones seen while the catalog reloads.
    private func appShared(_ app: String, initial: RealtimeOptions?) -> AppShared {
        if let found = shared.withLock({ $0[app] }) { return found }
        let catalog = self.catalog
        let last = Mutex(initial ?? RealtimeOptions())
        let created = AppShared(
            app: app,
            tokenKey: SocketToken.appKey(master: tokenMaster, app: app),
            options: {
                switch catalog.lookup(app) {
                case .live(let served):
                    let options = served.snapshot.manifest.realtime
                    last.withLock { $0 = options }
                    return options
                case .missing: return nil
                case .unknown: return last.withLock { $0 }
                }
            },
            clock: { RealtimeServices.nowMs() }
        )
        return shared.withLock { shared in
            if let raced = shared[app] { return raced }
            // Bounded: an entry per app that ever had a socket (apps are few; deleted ones go).
            if shared.count >= 4096 { shared.removeAll() }
            shared[app] = created
            return created
        }
    }

    /// A socket's settings.
    func settings(
        app: String,
        address: String,
        token: SocketToken?,
        initial: RealtimeOptions,
        events: (any SocketEvents)? = nil
    ) -> SocketConnection.Settings {
        SocketConnection.Settings(
            shared: appShared(app, initial: initial),
            address: address,
            token: token,
            events: events
        )
    }

    /// Forgets an app's shared socket parts (the app was deleted).
    func forget(app: String) {
        _ = shared.withLock { $0.removeValue(forKey: app) }
    }

    /// The connection token of a `/_ws` or `/_sse` request (`?token=`), verified; nil when none came.
    func token(app: String, query: String?) -> Result<SocketToken?, SocketTokenError> {
        guard let text = FaztResponder.queryValue("token", in: query) else { return .success(nil) }
        do {
            return .success(try SocketToken.verify(text, key: tokenKey(app: app), app: app, now: Self.nowMs()))
        } catch {
            return .failure(error)
        }
    }

    /// The current rule of `channel` in `app`'s live manifest, or nil when the app is unknown.
    ///
    /// Reads the database when the catalog does not hold the app: never call it on an event loop.
    func rule(app: String, channel: String) -> ChannelRule? {
        served(app)?.snapshot.manifest.realtime.rule(for: channel)
    }

    /// `app`'s live version, loaded when the catalog does not hold it (reads the database: never
    /// on an event loop).
    func served(_ app: String) -> ServedApp? {
        switch catalog.lookup(app) {
        case .live(let served): return served
        case .missing: return nil
        case .unknown: return try? catalog.load(app)
        }
    }

    /// `app`'s live version as the catalog holds it now (on an event loop), or `.unknown`.
    func lookup(_ app: String) -> AppCatalog.Lookup { catalog.lookup(app) }

    static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// A socket id: `ws` and 13 random hex digits (52 bits: unguessable, and short enough to be
    /// stored inline in a Swift string, so an idle socket's id costs no allocation).
    static func newSocketID() -> String {
        let hex = String(UInt64.random(in: 0..<(1 << 52)), radix: 16)
        return "ws" + String(repeating: "0", count: 13 - hex.count) + hex
    }
}
