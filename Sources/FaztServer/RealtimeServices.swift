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

    /// The key that signs `app`'s connection tokens (never handed to JavaScript).
    func tokenKey(app: String) -> [UInt8] {
        SocketToken.appKey(master: tokenMaster, app: app)
    }

    /// A socket's settings: its app's realtime options are read from the catalog at each use (a
    /// deploy changes them), falling back to the last ones seen while the catalog reloads.
    func settings(
        app: String,
        address: String,
        token: SocketToken?,
        initial: RealtimeOptions,
        events: (any SocketEvents)? = nil
    ) -> SocketConnection.Settings {
        let catalog = self.catalog
        let last = Mutex(initial)
        return SocketConnection.Settings(
            app: app,
            address: address,
            token: token,
            tokenKey: tokenKey(app: app),
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
            clock: { RealtimeServices.nowMs() },
            events: events
        )
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
