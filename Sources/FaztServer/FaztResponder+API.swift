import FaztRuntime
import FaztStorage
import Foundation
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// `/api` and `/api/*`: CORS preflight, then the app's handler in a JavaScript worker.
    func serveAPI(_ exchange: Exchange, app name: String, path: String, query: String?) {
        withLiveApp(exchange, name: name) { app in
            self.runHandler(exchange, app: app, namespace: app.snapshot.app, path: path, query: query)
        }
    }

    /// Runs the `api/` handler of `app`'s version for `path`, with storage in `namespace` (the app's
    /// name, or a preview label for a version preview, whose storage is its own).
    func runHandler(_ exchange: Exchange, app: ServedApp, namespace: String, path: String, query: String?) {
        let head = exchange.head
        // Owner-only apps and previews allow no cross-origin use, and their code never sees
        // the owner's secrets.
        let owner = app.snapshot.manifest.access == .owner || namespace != app.snapshot.app
        let cors = app.snapshot.manifest.cors
        if !owner, head.method == .OPTIONS, head.headers.contains(name: "Access-Control-Request-Method") {
            exchange.respond(CORSPolicy.preflight(head.headers, options: cors))
            return
        }
        let decoded = path.removingPercentEncoding ?? path
        guard let route = app.router.route(for: path) else {
            var response = Response.json(["error": "no handler for \(decoded)"], status: .notFound)
            if !owner { CORSPolicy.decorate(&response, request: head.headers, options: cors) }
            exchange.respond(response)
            return
        }
        let encoded = APIRequestEncoding.encode(
            head: owner ? OwnerCredential.hidden(from: head) : head,
            path: decoded,
            params: route.params,
            query: query,
            body: exchange.request.bodyBuffer,
            ip: exchange.request.clientIP ?? "",
            scheme: services.configuration.publicScheme ?? "http"
        )
        let failures = services.failures
        let dev = services.configuration.dev
        // `fazt dev` shows every failure in full, with a code frame.
        let debug = app.snapshot.manifest.debug || dev != nil
        let started = StorageExecutor.wallClock()
        let appName = namespace
        // The manifest may lower (never raise) the server's time limit.
        let serverLimit = services.configuration.invocationTimeoutMs
        let timeout = app.snapshot.manifest.timeoutMs.map { min($0, serverLimit) } ?? serverLimit
        let memory = app.snapshot.manifest.memoryMB.map { $0 << 20 }
        // Completed from the supervisor's thread: the promise hops back to the loop, no Task.
        let ai = services.ai
        let finish: @Sendable (Response) -> Void = { response in
            var response = response
            if !owner { CORSPolicy.decorate(&response, request: head.headers, options: cors) }
            // `fazt.ai.stream({…}).toResponse()`: the answer follows as server-sent events.
            if let id = response.headers.first(name: AIResponseStream.header) {
                response.headers.remove(name: AIResponseStream.header)
                if let stream = ai.takeResponse(app: appName, streamID: id) {
                    return exchange.complete(.stream(AIResponseStream.head(response), stream))
                }
            }
            exchange.respond(response)
        }
        // Every failure is recorded (the response, if one is still to come, names the run).
        let record: @Sendable (InvocationFailure, @escaping @Sendable (Int64?) -> Void) -> Void = { failure, then in
            failures.record(
                app: appName,
                file: route.file,
                failure: failure,
                startedAt: started,
                durationMs: StorageExecutor.wallClock() - started,
                recorded: then
            )
        }
        // A response that left before the invocation ended (ctx.waitUntil, a ReadableStream body).
        let early = EarlyResponse()
        let onResponse: @Sendable (InvocationResponsePart) -> Void = { part in
            switch part {
            case .start(let answer, let streamed):
                var response = APIResponseMapping.response(.response(answer))
                if !owner { CORSPolicy.decorate(&response, request: head.headers, options: cors) }
                guard streamed, head.method != .HEAD else {
                    early.begin(nil)
                    exchange.respond(response)
                    return
                }
                let chunked = head.version.major == 1 && head.version.minor >= 1
                let stream = HandlerBodyStream(chunked: chunked)
                early.begin(stream)
                exchange.complete(.stream(HandlerBodyStream.head(response, chunked: chunked), stream))
            case .chunk(let bytes): early.stream?.send(bytes)
            case .end(let error): early.stream?.finish(error: error)
            case .abort(let failure):
                early.begin(nil)
                record(failure) { finish(APIResponseMapping.response(.failure(failure), run: $0, debug: debug)) }
            }
        }
        services.supervisor.invoke(
            app: appName,
            version: app.snapshot.version,
            file: route.file,
            requestJSON: encoded.json,
            body: encoded.bytes,
            timeoutMs: timeout,
            memoryLimit: memory,
            onResponse: onResponse,
            exclusive: route.mayRespondEarly
        ) { result in
            if early.begun {
                // The response is out: a failure now only cuts a streamed body short, and is recorded.
                guard case .failure(let failure) = result else {
                    // A no-op after the body's end; else the body never ended and is cut short.
                    early.stream?.finish(error: "the invocation ended before its body did")
                    return
                }
                early.stream?.finish(error: failure.message)
                record(failure) { _ in }
                return
            }
            guard case .failure(let failure) = result else {
                finish(APIResponseMapping.response(result))
                return
            }
            // Failures are recorded first: the response names the run that holds the details.
            record(failure) { run in
                guard let dev else {
                    return finish(APIResponseMapping.response(result, run: run, debug: debug))
                }
                // The frame reads the file from disk: not on the writer thread this runs on.
                DispatchQueue.global().async {
                    let frame = failure.location.flatMap { dev.codeFrame($0, failure.stack) }
                    dev.handlerFailed(route.file, failure.message, failure.location, frame)
                    finish(APIResponseMapping.response(result, run: run, debug: debug, frame: frame))
                }
            }
        }
    }
}
