import FaztKernel
import FaztStore
import Foundation
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// Picks the certificate of each TLS handshake by SNI name and obtains missing ones on demand.
///
/// Certificates live in memory (swapped in without a restart as they are issued or renewed) and
/// in `data.db` (reloaded at start: no new order). A name gets an order only when it is the bare
/// domain or `<label>.<domain>` and `isKnownName` says an app (or preview) is served there, so a
/// handshake for a random name never reaches the CA. One order per name at a time: concurrent
/// handshakes wait for it (bounded, with a deadline); orders per minute are capped; a failed name
/// backs off (1 min doubling).
public final class CertificateManager: Sendable {
    public let settings: TLSSettings
    /// HTTP-01 answers the plain-HTTP port serves.
    public let challenges = ChallengeTokens()
    let storage: CertificateStore
    let logger: Logger
    let isKnownName: @Sendable (String) -> Bool
    let notifyOwner: @Sendable (String, String) -> Void
    let state = Mutex(State())
    let client = Mutex<ACMEClient?>(nil)
    /// Orders created at the CA since start, failed issuances, and completed handshakes.
    let orders = Atomic<Int>(0)
    let failuresTotal = Atomic<Int>(0)
    let handshakes = Atomic<Int>(0)
    let work = DispatchQueue(label: "fazt.tls", attributes: .concurrent)
    let stopSignal = NSCondition()

    struct State {
        var served: [String: ServedCertificate] = [:]
        /// `--tls-cert`: served for every name.
        var fixed: ServedCertificate?
        var waiting: [String: [Waiter]] = [:]
        var failures: [String: (count: Int, retryAt: Int64)] = [:]
        var orderTimes: [Int64] = []
        var warnedAt: [String: Int64] = [:]
        var stopped = false
    }

    public init(
        settings: TLSSettings,
        store: Store,
        box: SecretBox,
        logger: Logger,
        isKnownName: @escaping @Sendable (String) -> Bool,
        notifyOwner: @escaping @Sendable (String, String) -> Void
    ) {
        self.settings = settings
        self.storage = CertificateStore(store: store, box: box)
        self.logger = logger
        self.isKnownName = isKnownName
        self.notifyOwner = notifyOwner
    }

    /// Serves the certificate in `certificatePath` (PEM chain, leaf first) with the key in `keyPath`
    /// for every name (`--tls-cert`, `--tls-key`).
    public func useFixed(certificatePath: String, keyPath: String) throws {
        guard let chain = FileManager.default.contents(atPath: certificatePath) else {
            throw TLSError(.configuration, "cannot read --tls-cert \(certificatePath)")
        }
        guard let key = FileManager.default.contents(atPath: keyPath) else {
            throw TLSError(.configuration, "cannot read --tls-key \(keyPath)")
        }
        let certificate = try ServedCertificate(
            name: "static",
            chainPEM: String(decoding: chain, as: UTF8.self),
            keyPEM: Array(key)
        )
        state.withLock { $0.fixed = certificate }
    }

    /// Loads the certificates stored for this CA (at start; no order).
    public func loadStored() throws {
        guard let acme = settings.acme else { return }
        let stored = try storage.load(issuer: acme.directoryURL)
        state.withLock { state in
            for certificate in stored { state.served[certificate.name] = certificate }
        }
        logger.info("certificates loaded", metadata: ["tls.count": "\(stored.count)"])
    }

    /// Every certificate being served (ACME ones by name, then the static one).
    public var certificates: [ServedCertificate] {
        state.withLock { state in
            state.served.keys.sorted().compactMap { state.served[$0] } + (state.fixed.map { [$0] } ?? [])
        }
    }

    /// Orders created at the CA since start.
    public var orderCount: Int { orders.load(ordering: .relaxed) }
    /// Issuances that failed since start.
    public var failureCount: Int { failuresTotal.load(ordering: .relaxed) }
    /// Whether a TLS handshake has completed with one of our certificates (HSTS is sent from then).
    public var hasServed: Bool { handshakes.load(ordering: .relaxed) > 0 }

    /// Counts a completed handshake.
    public func handshakeCompleted() { handshakes.add(1, ordering: .relaxed) }

    /// The server's TLS configuration: TLS 1.2 or later (1.3 preferred by the library), ALPN
    /// `http/1.1` only (HTTP/2 is not served, and advertising it would make browsers speak it),
    /// the certificate chosen per handshake by `select`.
    public func serverConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: [], privateKey: .file(""))
        configuration.privateKey = nil
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        configuration.sslContextCallback = { [self] values, promise in
            select(hostname: values.serverHostname, promise: promise)
        }
        return configuration
    }

    /// The certificate already held for `name`: its own, the wildcard over it, or the static one.
    func held(_ name: String) -> ServedCertificate? {
        state.withLock { state in
            if let own = state.served[name] { return own }
            // A wildcard covers one label under its domain, and (as we order it) the domain itself.
            if let wildcard = state.served["*." + name] { return wildcard }
            if let dot = name.firstIndex(of: "."), let wildcard = state.served["*" + name[dot...]] {
                return wildcard
            }
            return state.fixed
        }
    }

    /// Whether `name` could ever get a certificate here: the domain or one label under it.
    func isCandidate(_ name: String) -> Bool {
        let domain = settings.domain
        if name == domain { return true }
        guard name.hasSuffix("." + domain) else { return false }
        let label = name.dropLast(domain.count + 1)
        return !label.isEmpty && !label.contains(".") && label.utf8.count <= 63
    }

    /// Answers a handshake's certificate request.
    func select(hostname: String?, promise: EventLoopPromise<NIOSSLContextConfigurationOverride>) {
        let name = (hostname ?? settings.domain).lowercased()
        if let certificate = held(name) { return promise.succeed(certificate.override) }
        // With a DNS hook the wildcard serves every name; nothing is ordered per name.
        guard settings.acme != nil, settings.acme?.dnsHook == nil, isCandidate(name) else {
            return promise.fail(TLSError(.refused, "no certificate for \(name)"))
        }
        let waiter = Waiter(promise)
        promise.futureResult.eventLoop.scheduleTask(in: .seconds(settings.handshakeWaitSeconds)) {
            waiter.fail(TLSError(.refused, "the certificate for \(name) is not ready"))
        }
        work.async { [self] in
            guard isKnownName(name) else {
                return waiter.fail(TLSError(.refused, "no app is served at \(name)"))
            }
            join(name: name, waiter: waiter)
        }
    }
}

/// A handshake waiting for a certificate; completes its promise once (a deadline may race the issuance).
final class Waiter: Sendable {
    private let promise: EventLoopPromise<NIOSSLContextConfigurationOverride>
    private let done = Atomic<Bool>(false)

    init(_ promise: EventLoopPromise<NIOSSLContextConfigurationOverride>) { self.promise = promise }

    func succeed(_ certificate: ServedCertificate) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        promise.succeed(certificate.override)
    }

    func fail(_ error: any Error) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        promise.fail(error)
    }
}
