import FaztTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Testing

@testable import FaztNet

/// `LoopHTTPClient`: answers stream back on the caller's loop, under the same policy as libcurl.
@Suite struct LoopHTTPClientTests {
    struct Outcome {
        var status = 0
        var body: [UInt8] = []
        var onLoop = true
        var error: EgressError?
        var sent = false
    }

    func run(
        _ url: String,
        policy: EgressPolicy,
        method: String = "GET",
        body: [UInt8]? = nil,
        on given: (any EventLoop)? = nil
    ) throws -> Outcome {
        let group = given == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        defer { try? group?.syncShutdownGracefully() }
        let loop = given ?? group!.next()
        let outcome = Mutex(Outcome())
        let done = DispatchSemaphore(value: 0)
        let stream = EgressStream(
            onHead: { status, _ in
                outcome.withLock {
                    $0.status = status
                    $0.onLoop = $0.onLoop && loop.inEventLoop
                }
            },
            onData: { bytes in
                outcome.withLock {
                    $0.body += bytes
                    $0.onLoop = $0.onLoop && loop.inEventLoop
                }
            },
            onEnd: { result in
                outcome.withLock {
                    if case .failure(let error) = result { $0.error = error }
                    $0.onLoop = $0.onLoop && loop.inEventLoop
                }
                done.signal()
            },
            onRequestSent: { outcome.withLock { $0.sent = true } }
        )
        let request = EgressRequest(url: url, method: method, headers: [("X-Test", "1")], body: body)
        LoopHTTPClient.start(request, policy: policy, stream: stream, on: loop)
        #expect(done.wait(timeout: .now() + 10) == .success)
        return outcome.withLock { $0 }
    }

    @Test func theAnswerStreamsBackOnTheGivenLoop() throws {
        let upstream = try LoopbackReceiver(.http)
        upstream.respond { request in (201, "got \(request.method) \(request.path) \(request.body)") }
        let outcome = try run(
            "http://127.0.0.1:\(upstream.port)/v1/chat?x=1",
            policy: EgressPolicy(allowPrivate: true),
            method: "POST",
            body: Array("hello".utf8)
        )
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        #expect(outcome.status == 201 && outcome.onLoop && outcome.sent)
        #expect(String(decoding: outcome.body, as: UTF8.self) == "got POST /v1/chat?x=1 hello")
        #expect(upstream.all.first?.headers["x-test"] == "1")
        #expect(upstream.all.first?.headers["host"] == "127.0.0.1:\(upstream.port)")
    }

    @Test func thePolicyHolds() throws {
        let upstream = try LoopbackReceiver(.http)
        let refused = try run("http://127.0.0.1:\(upstream.port)/", policy: EgressPolicy())
        #expect(refused.error?.message.contains("private or loopback") == true, "\(String(describing: refused.error))")
        #expect(upstream.all.isEmpty)
        var listed = EgressPolicy(allowPrivate: true)
        listed.allowedHosts = HostAllowlist(["api.example.com"])
        let blocked = try run("http://127.0.0.1:\(upstream.port)/", policy: listed)
        #expect(blocked.error?.code == "NET_BLOCKED")
        var small = EgressPolicy(allowPrivate: true)
        small.maxResponseBytes = 4
        upstream.respond { _ in (200, "more than four bytes") }
        let large = try run("http://127.0.0.1:\(upstream.port)/", policy: small)
        #expect(large.error?.message.contains("larger than") == true, "\(String(describing: large.error))")
        let scheme = try run("ftp://127.0.0.1/", policy: EgressPolicy(allowPrivate: true))
        #expect(scheme.error?.message.contains("only http and https") == true)
    }

    @Test func aSilentUpstreamStallsOut() throws {
        // A listening socket that never answers.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let silent = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? silent.close().wait() }
        var policy = EgressPolicy(allowPrivate: true)
        policy.stallSeconds = 1
        let started = ContinuousClock.now
        let outcome = try run("http://127.0.0.1:\(silent.localAddress?.port ?? 0)/", policy: policy)
        #expect(outcome.error?.timedOut == true && outcome.error?.message.contains("nothing received") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// `https`: the handshake checks the upstream's certificate against the system's trust roots.
    /// A self-signed one is refused, the error says why, and no request byte reaches it.
    @Test func anUntrustedCertificateIsRefused() throws {
        let work = try TemporaryDirectory()
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.currentDirectoryURL = URL(fileURLWithPath: work.path)
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-keyout", "key.pem", "-out", "cert.pem", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let server = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(work.path + "/cert.pem").map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: work.path + "/key.pem", format: .pem))
            )
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let decrypted = ByteCounter()
        let upstream = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: server))
                    try channel.pipeline.syncOperations.addHandler(decrypted)
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? upstream.close().wait() }
        let outcome = try run(
            "https://127.0.0.1:\(upstream.localAddress?.port ?? 0)/v1/chat",
            policy: EgressPolicy(allowPrivate: true)
        )
        let message = outcome.error?.message ?? ""
        #expect(message.uppercased().contains("CERTIFICATE"), "\(message)")
        #expect(outcome.status == 0 && decrypted.count.withLock { $0 } == 0)
    }

    /// Counts the bytes that reach it (after TLS: the request's plaintext).
    final class ByteCounter: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let count = Mutex(0)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data).readableBytes
            count.withLock { $0 += bytes }
        }
    }

    /// A server may close a kept connection just as the next request goes out on it: before any
    /// byte of an answer, the request goes again on a new connection instead of failing.
    @Test func aKeptConnectionClosedUnderTheRequestIsReplacedOnce() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let server = ClosesOnSecondRequest()
        let upstream = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(ClosesOnSecondRequest.Connection(server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? upstream.close().wait() }
        let url = "http://127.0.0.1:\(upstream.localAddress?.port ?? 0)/"
        let client = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? client.syncShutdownGracefully() }
        let loop = client.next()
        let first = try run(url, policy: EgressPolicy(allowPrivate: true), on: loop)
        #expect(first.status == 200 && first.error == nil)
        // The kept connection carries the second request; the server closes it unanswered.
        let second = try run(url, policy: EgressPolicy(allowPrivate: true), on: loop)
        #expect(second.error == nil, "\(String(describing: second.error))")
        #expect(second.status == 200 && String(decoding: second.body, as: UTF8.self) == "ok")
        #expect(server.connections.withLock { $0 } == 2)
    }

    /// Answers `ok` with keep-alive, except the second request on a connection: it closes that
    /// connection without a word.
    final class ClosesOnSecondRequest: Sendable {
        let connections = Mutex(0)

        final class Connection: ChannelInboundHandler, @unchecked Sendable {
            // Safe: touched on its channel's loop only.
            typealias InboundIn = HTTPServerRequestPart
            typealias OutboundOut = HTTPServerResponsePart
            let server: ClosesOnSecondRequest
            var requests = 0
            init(_ server: ClosesOnSecondRequest) { self.server = server }

            func channelActive(context: ChannelHandlerContext) {
                server.connections.withLock { $0 += 1 }
                context.fireChannelActive()
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                guard case .end = unwrapInboundIn(data) else { return }
                requests += 1
                guard requests == 1 else { return context.close(promise: nil) }
                var head = HTTPResponseHead(version: .http1_1, status: .ok)
                head.headers.add(name: "Content-Length", value: "2")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    @Test func targetsParse() throws {
        let target = try LoopHTTPClient.Target("https://API.example.com:8443/v1?q=1#frag", label: "ai")
        #expect(
            target.secure && target.port == 8443 && target.path == "/v1?q=1"
                && target.hostHeader == "API.example.com:8443"
        )
        let bare = try LoopHTTPClient.Target("http://[::1]?a", label: "ai")
        #expect(bare.host == "::1" && bare.port == 80 && bare.path == "/?a" && bare.hostHeader == "[::1]")
        #expect(throws: EgressError.self) { try LoopHTTPClient.Target("http://h:99999/", label: "ai") }
    }
}
