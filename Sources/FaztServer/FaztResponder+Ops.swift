import FaztKernel
import NIOCore
import NIOHTTP1

/// `/_fazt/livez`, `/_fazt/readyz` and `/_fazt/metrics` on the owner's domain.
extension FaztResponder {
    static let livezPath = "/_fazt/livez"
    static let readyzPath = "/_fazt/readyz"
    static let metricsPath = "/_fazt/metrics"

    /// The health probes: no credentials (they reveal only up/ready).
    func serveHealth(_ exchange: Exchange, path: String) {
        if let problem = OpsEndpoints.methodProblem(exchange.head.method) { return exchange.respond(problem) }
        if path == Self.livezPath { return exchange.respond(OpsEndpoints.livez()) }
        OpsEndpoints.readyz(services: services, query: exchange.request.policy.query, on: exchange.loop)
            .whenComplete { [self] result in
                switch result {
                case .success(let response): exchange.respond(response)
                case .failure(let error): fail(exchange, error: error)
                }
            }
    }

    /// The metrics, for the owner token only (`--metrics-listen` serves them without credentials).
    func serveMetrics(_ exchange: Exchange) {
        if let problem = OpsEndpoints.methodProblem(exchange.head.method) { return exchange.respond(problem) }
        if APIRequest.bearerToken(in: exchange.head.headers) == nil,
            let session = DashboardSession.id(in: exchange.head.headers)
        {
            // The dashboard's charts read the same numbers with the owner's session cookie.
            let sessions = services.ownerSessions
            services.threadPool.runIfActive(eventLoop: exchange.loop) {
                try sessions.isValid(session, app: OwnerSessions.dashboard)
            }.flatMap { [services] valid -> EventLoopFuture<Response> in
                guard valid else {
                    return exchange.loop.makeSucceededFuture(Self.unauthorized("the session has ended: sign in again"))
                }
                return OpsEndpoints.metrics(services: services, on: exchange.loop)
            }.whenComplete { [self] result in
                switch result {
                case .success(let response): exchange.respond(response)
                case .failure(let error): fail(exchange, error: error)
                }
            }
            return
        }
        guard let token = APIRequest.bearerToken(in: exchange.head.headers) else {
            return exchange.respond(
                Self.unauthorized(
                    "metrics need the owner token: send 'Authorization: Bearer <owner token>', "
                        + "or serve them without credentials with 'fazt serve --metrics-listen 127.0.0.1:9090'"
                )
            )
        }
        let tokens = services.tokens
        services.threadPool.runIfActive(eventLoop: exchange.loop) { try tokens.verify(token) }
            .flatMap { [services] info -> EventLoopFuture<Response> in
                guard let info else {
                    return exchange.loop.makeSucceededFuture(
                        Self.unauthorized("the token is not valid (expired, revoked or mistyped); use the owner token")
                    )
                }
                guard info.isOwner else {
                    var response = Response.text(
                        .forbidden,
                        "metrics need the owner token; token '\(info.name)' is scoped\n"
                    )
                    response.headers.add(name: "WWW-Authenticate", value: #"Bearer error="insufficient_scope""#)
                    return exchange.loop.makeSucceededFuture(response)
                }
                return OpsEndpoints.metrics(services: services, on: exchange.loop)
            }
            .whenComplete { [self] result in
                switch result {
                case .success(let response): exchange.respond(response)
                case .failure(let error): fail(exchange, error: error)
                }
            }
    }

    private static func unauthorized(_ message: String) -> Response {
        var response = Response.text(.unauthorized, message + "\n")
        response.headers.add(name: "WWW-Authenticate", value: "Bearer")
        return response
    }
}
