import NIOCore
import NIOHTTP1

/// The responder of the `--metrics-listen` listener: `/metrics` without credentials (the listener
/// is meant for a local scraper), and the `/livez` and `/readyz` probes; 404 for anything else.
struct MetricsListenerResponder: HTTPResponder {
    let services: ServerServices

    func policy(for head: HTTPRequestHead) -> RequestPolicy {
        RequestPolicy(head: head, configuration: services.configuration)
    }

    func authorize(token: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        loop.makeSucceededFuture(false)
    }

    func makeSpoolFile() throws -> SpoolFile {
        throw SpoolRefused()
    }

    func write(_ chunk: ByteBuffer, to file: SpoolFile, on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeFailedFuture(SpoolRefused())
    }

    func reply(to request: RoutedRequest, on loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void) {
        let path = String(request.head.uri.prefix { $0 != "?" })
        guard ["/metrics", "/livez", "/readyz"].contains(path) else {
            done(.full(.text(.notFound, "this listener serves only /metrics, /livez and /readyz\n")))
            return
        }
        if let problem = OpsEndpoints.methodProblem(request.head.method) { return done(.full(problem)) }
        let answer: EventLoopFuture<Response>
        switch path {
        case "/livez": answer = loop.makeSucceededFuture(OpsEndpoints.livez())
        case "/readyz": answer = OpsEndpoints.readyz(services: services, query: request.policy.query, on: loop)
        default: answer = OpsEndpoints.metrics(services: services, on: loop)
        }
        answer.whenComplete { result in
            switch result {
            case .success(let response): done(.full(response))
            case .failure: done(.full(.text(.internalServerError, "internal error\n")))
            }
        }
    }

    private struct SpoolRefused: Error {}
}
