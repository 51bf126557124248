import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// HTTP/1.1 requests whose answers stream back on a given event loop, with no thread hop per piece.
///
/// For a model's answer that goes straight to a caller's connection on that same loop: a piece of
/// the provider's answer is read, normalized and written out in one pass of the loop (libcurl on
/// `EgressLoop` would hand each piece over from its own thread, a wake-up each time). The same
/// `EgressPolicy` applies: http and https only, the allowlist, no private addresses unless allowed,
/// the connect, total and stall timeouts, the response size cap. Redirects are not followed (the
/// answer is the 3xx). Idle connections are kept per loop and host for reuse (`Connection:
/// keep-alive`), closed after `idleSeconds`. Once a connection to a host was kept on one loop, each
/// other loop named in `start(…warming:)` gets one too (opened in the background): the next
/// caller may be on any of them, and would otherwise wait for a connect (and a TLS handshake).
public enum LoopHTTPClient {
    /// Seconds an idle connection is kept for the next request to the same host.
    static let idleSeconds: Int64 = 30
    /// Idle connections kept per loop and host.
    static let maxIdlePerHost = 8

    /// Starts `request`; `stream`'s callbacks run on `loop` (see `EgressStream`).
    ///
    /// `warming`: the loops that should each hold an idle connection to the host once it answered
    /// (see above).
    public static func start(
        _ request: EgressRequest,
        policy: EgressPolicy,
        stream: EgressStream,
        on loop: any EventLoop,
        warming loops: [any EventLoop] = []
    ) {
        let target: Target
        do {
            target = try Target(request.url, label: policy.label)
        } catch {
            loop.execute { stream.onEnd(.failure(error)) }
            return
        }
        if let refusal = policy.refusal(for: request.url) {
            loop.execute { stream.onEnd(.failure(refusal)) }
            return
        }
        let exchange = LoopHTTPExchange(
            request: request,
            target: target,
            policy: policy,
            stream: stream,
            loop: loop,
            warming: loops
        )
        stream.onCancel { loop.execute { exchange.fail(EgressError(message: "\(policy.label): cancelled")) } }
        loop.execute {
            if let idle = LoopHTTPPool.shared.take(target.key, on: loop) {
                exchange.onKeptConnection = true
                idle.begin(exchange)
            } else {
                connect(exchange)
            }
        }
    }

    /// Checks the address and connects: an IP literal or a name resolved in the last minute at
    /// once, else after resolving the name off the loop (getaddrinfo blocks).
    static func connect(_ exchange: LoopHTTPExchange) {
        let target = exchange.target
        let policy = exchange.policy
        let loop = exchange.loop
        if let known = (try? SocketAddress(ipAddress: target.host, port: target.port))
            ?? LoopHTTPPool.shared.resolved(target.host, port: target.port)
        {
            return open(exchange, checking: known)
        }
        DispatchQueue.global().async {
            let address: SocketAddress
            do {
                address = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
            } catch {
                loop.execute {
                    exchange.fail(EgressError(message: "\(policy.label): cannot resolve \(target.host): \(error)"))
                }
                return
            }
            LoopHTTPPool.shared.remember(address, for: target.host, port: target.port)
            loop.execute { open(exchange, checking: address) }
        }
    }

    private static func open(_ exchange: LoopHTTPExchange, checking address: SocketAddress) {
        let policy = exchange.policy
        if !policy.allowPrivate, EgressPolicy.isPrivate(address.addressBytes) {
            let message =
                "\(policy.label): refused to connect to a private or loopback address (the owner can allow it: fazt serve --allow-private-egress)"
            return exchange.fail(EgressError(message: message))
        }
        open(exchange, at: address)
    }

    private static func open(_ exchange: LoopHTTPExchange, at address: SocketAddress) {
        guard !exchange.isOver else { return }
        let handler = LoopHTTPConnection(key: exchange.target.key)
        connect(handler, to: address, exchange.target, policy: exchange.policy, on: exchange.loop).whenComplete {
            result in
            switch result {
            case .success: handler.begin(exchange)
            case .failure(let error as EgressError): exchange.fail(error)
            case .failure(let error):
                let label = exchange.policy.label
                exchange.fail(EgressError(message: "\(label): cannot connect to \(exchange.target.host): \(error)"))
            }
        }
    }

    /// Opens a connection to `address` on `loop` whose pipeline ends in `handler`.
    private static func connect(
        _ handler: LoopHTTPConnection,
        to address: SocketAddress,
        _ target: Target,
        policy: EgressPolicy,
        on loop: any EventLoop
    ) -> EventLoopFuture<any Channel> {
        let tls: NIOSSLContext?
        do {
            tls = target.secure ? try LoopHTTPPool.tlsContext() : nil
        } catch {
            return loop.makeFailedFuture(EgressError(message: "\(policy.label): TLS is not available: \(error)"))
        }
        return ClientBootstrap(group: loop)
            .connectTimeout(.seconds(Int64(policy.connectTimeoutSeconds)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let name = target.isAddressLiteral ? nil : target.host
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: name)
                        )
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(to: address)
    }

    /// Opens an idle connection to `exchange`'s host on each other warming loop that has none.
    ///
    /// Called once a connection to that host was kept on `loop`; a loop already opening one is
    /// left alone. Only to an address already resolved and allowed for this host; a failure just
    /// leaves that loop without one.
    static func warm(after exchange: LoopHTTPExchange, besides loop: any EventLoop) {
        let target = exchange.target
        let policy = exchange.policy
        guard !exchange.warming.isEmpty,
            let address = (try? SocketAddress(ipAddress: target.host, port: target.port))
                ?? LoopHTTPPool.shared.resolved(target.host, port: target.port),
            policy.allowPrivate || !EgressPolicy.isPrivate(address.addressBytes)
        else { return }
        let kept = ObjectIdentifier(loop as AnyObject)
        for other in exchange.warming where ObjectIdentifier(other as AnyObject) != kept {
            guard LoopHTTPPool.shared.startWarming(target.key, on: other) else { continue }
            let handler = LoopHTTPConnection(key: target.key, idle: true)
            connect(handler, to: address, target, policy: policy, on: other).whenComplete { result in
                LoopHTTPPool.shared.endWarming(target.key, on: other)
                if case .success = result { handler.keepIdle() }
            }
        }
    }

    /// Where a request goes: scheme, host, port and the request target (path and query).
    struct Target: Sendable {
        var secure: Bool
        var host: String
        var port: Int
        var path: String
        /// `scheme host port`: which idle connections may carry the request.
        var key: String { "\(secure ? "https" : "http") \(host) \(port)" }
        var isAddressLiteral: Bool { host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." } }
        /// The `Host` header: the port only when it is not the scheme's default.
        var hostHeader: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
        }

        init(_ url: String, label: String) throws(EgressError) {
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"),
                let host = HostAllowlist.host(of: url), !host.isEmpty
            else { throw EgressError(message: "\(label): only http and https URLs with a host are allowed") }
            secure = lower.hasPrefix("https://")
            self.host = host
            let rest = url[url.index(url.startIndex, offsetBy: secure ? 8 : 7)...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            var tail = rest.dropFirst(authority.count)
            if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
            path = tail.isEmpty ? "/" : (tail.hasPrefix("?") ? "/" + tail : String(tail))
            var port = secure ? 443 : 80
            let hostPart = authority.split(separator: "@").last ?? ""
            if let close = hostPart.lastIndex(of: "]") {
                let after = hostPart[hostPart.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let number = Int(after.dropFirst()) else { throw EgressError(message: "\(label): bad port") }
                    port = number
                }
            } else if let colon = hostPart.lastIndex(of: ":") {
                guard let number = Int(hostPart[hostPart.index(after: colon)...]) else {
                    throw EgressError(message: "\(label): bad port")
                }
                port = number
            }
            guard (1...65535).contains(port) else { throw EgressError(message: "\(label): bad port \(port)") }
            self.port = port
        }
    }
}

extension SocketAddress {
    /// The address's bytes (4 or 16), for `EgressPolicy.isPrivate`.
    var addressBytes: [UInt8] {
        switch self {
        case .v4(let v4): return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: return []
        }
    }
}

/// Idle connections by loop and host, and the shared TLS context.
final class LoopHTTPPool: Sendable {
    static let shared = LoopHTTPPool()
    private let idle = Mutex<[String: [LoopHTTPConnection]]>([:])
    /// Slots (loop and host) with a warming connection on its way (see `LoopHTTPClient.warm`).
    private let warming = Mutex<Set<String>>([])
    /// Resolved names (`host port` → address, until when), as libcurl's DNS cache keeps them.
    private let addresses = Mutex<[String: (SocketAddress, NIODeadline)]>([:])
    static let resolvedSeconds: Int64 = 60

    /// The address `host` resolved to in the last `resolvedSeconds`, if any.
    func resolved(_ host: String, port: Int) -> SocketAddress? {
        addresses.withLock { addresses in
            guard let (address, until) = addresses["\(host) \(port)"], until > .now() else { return nil }
            return address
        }
    }

    func remember(_ address: SocketAddress, for host: String, port: Int) {
        addresses.withLock { addresses in
            if addresses.count > 1000 { addresses.removeAll() }
            addresses["\(host) \(port)"] = (address, .now() + .seconds(Self.resolvedSeconds))
        }
    }
    private static let tls = Mutex<NIOSSLContext?>(nil)

    /// The client TLS context (the system's trust roots), made once.
    static func tlsContext() throws -> NIOSSLContext {
        try tls.withLock { context in
            if let context { return context }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.applicationProtocols = ["http/1.1"]
            let made = try NIOSSLContext(configuration: configuration)
            context = made
            return made
        }
    }

    private func slot(_ key: String, _ loop: any EventLoop) -> String {
        "\(ObjectIdentifier(loop as AnyObject).hashValue) \(key)"
    }

    /// An open idle connection to `key` on `loop`, taken out of the pool.
    func take(_ key: String, on loop: any EventLoop) -> LoopHTTPConnection? {
        let slot = slot(key, loop)
        return idle.withLock { idle in
            while var list = idle[slot], let last = list.popLast() {
                idle[slot] = list.isEmpty ? nil : list
                if last.isReusable { return last }
            }
            return nil
        }
    }

    /// Keeps `connection` for reuse; false when the host's slots are full.
    func keep(_ connection: LoopHTTPConnection, on loop: any EventLoop) -> Bool {
        let slot = slot(connection.key, loop)
        return idle.withLock { idle in
            var list = idle[slot] ?? []
            guard list.count < LoopHTTPClient.maxIdlePerHost else { return false }
            list.append(connection)
            idle[slot] = list
            return true
        }
    }

    /// Whether a connection to `key` should be opened ahead of need on `loop`: none is idle there
    /// and none is on its way (then it is, until `endWarming`).
    func startWarming(_ key: String, on loop: any EventLoop) -> Bool {
        let slot = slot(key, loop)
        guard idle.withLock({ $0[slot] == nil }) else { return false }
        return warming.withLock { $0.insert(slot).inserted }
    }

    func endWarming(_ key: String, on loop: any EventLoop) {
        let slot = slot(key, loop)
        _ = warming.withLock { $0.remove(slot) }
    }

    /// Forgets `connection` (it closed).
    func drop(_ connection: LoopHTTPConnection, on loop: any EventLoop) {
        let slot = slot(connection.key, loop)
        idle.withLock { idle in
            idle[slot]?.removeAll { $0 === connection }
            if idle[slot]?.isEmpty == true { idle[slot] = nil }
        }
    }
}
