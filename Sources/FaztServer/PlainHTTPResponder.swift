import FaztTLS
import NIOCore
import NIOHTTP1
import NIOTLS

/// The plain-HTTP listener when HTTPS is on: answers ACME HTTP-01 challenges
/// (`/.well-known/acme-challenge/<token>`) and sends everything else to https with a 301.
struct PlainHTTPResponder: HTTPResponder {
    let services: ServerServices
    let challenges: ChallengeTokens

    func policy(for head: HTTPRequestHead) -> RequestPolicy {
        RequestPolicy(head: head, configuration: services.configuration)
    }

    func authorize(token: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        loop.makeSucceededFuture(false)
    }

    func makeSpoolFile() throws -> SpoolFile { throw SpoolRefused() }

    func write(_ chunk: ByteBuffer, to file: SpoolFile, on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeFailedFuture(SpoolRefused())
    }

    func reply(to request: RoutedRequest, on loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void) {
        let target = request.head.uri.hasPrefix("/") ? request.head.uri : "/"
        let path = String(target.prefix { $0 != "?" })
        if path.hasPrefix(ChallengeTokens.pathPrefix) {
            guard let answer = challenges.answer(path: path) else {
                return done(.full(.text(.notFound, "no such ACME challenge\n")))
            }
            return done(.full(.text(.ok, answer, contentType: "application/octet-stream")))
        }
        let host = Route.normalizeHost(request.head.headers.first(name: "Host") ?? "")
        let name = host.isEmpty ? services.configuration.domain : host
        let port = services.httpsPort
        let authority = port == 443 ? name : (name.contains(":") ? "[\(name)]" : name) + ":\(port)"
        var response = Response.text(.movedPermanently, "moved to https://\(authority)\(target)\n")
        response.headers.add(name: "Location", value: "https://\(authority)\(target)")
        done(.full(response))
    }

    private struct SpoolRefused: Error {}
}

/// Counts completed TLS handshakes (for `fazt doctor` and metrics) and leaves the pipeline.
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let certificates: CertificateManager

    init(certificates: CertificateManager) { self.certificates = certificates }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            certificates.handshakeCompleted()
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
