import FaztRuntime
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// `/api` and `/api/*`: CORS preflight, then the app's handler in a JavaScript worker.
    func serveAPI(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        app name: String,
        path: String,
        query: String?,
        body: ByteBuffer
    ) {
        withLiveApp(context: context, head: head, name: name) { app in
            // Owner-only apps allow no cross-origin use, and their code never sees the owner's secrets.
            let owner = app.snapshot.manifest.access == .owner
            let cors = app.snapshot.manifest.cors
            if !owner, head.method == .OPTIONS, head.headers.contains(name: "Access-Control-Request-Method") {
                self.respond(context: context, head: head, response: CORSPolicy.preflight(head.headers, options: cors))
                return
            }
            let decoded = path.removingPercentEncoding ?? path
            guard let route = app.router.route(for: path) else {
                var response = Response.json(["error": "no handler for \(decoded)"], status: .notFound)
                if !owner { CORSPolicy.decorate(&response, request: head.headers, options: cors) }
                self.respond(context: context, head: head, response: response)
                return
            }
            let requestJSON = APIRequestEncoding.json(
                head: owner ? OwnerCredential.hidden(from: head) : head,
                path: decoded,
                params: route.params,
                query: query,
                body: body,
                ip: context.channel.remoteAddress?.ipAddress ?? ""
            )
            let supervisor = self.services.supervisor
            let failures = self.services.failures
            let debug = app.snapshot.manifest.debug
            let started = StorageExecutor.wallClock()
            let version = app.snapshot.version
            let appName = app.snapshot.app
            // A promise completed from the supervisor's thread: no Task, one hop back to the loop.
            let promise = context.eventLoop.makePromise(of: Response.self)
            // The manifest may lower (never raise) the server's time limit.
            let serverLimit = self.services.configuration.invocationTimeoutMs
            let timeout = app.snapshot.manifest.timeoutMs.map { min($0, serverLimit) } ?? serverLimit
            let memory = app.snapshot.manifest.memoryMB.map { $0 << 20 }
            supervisor.invoke(
                app: appName,
                version: version,
                file: route.file,
                requestJSON: requestJSON,
                timeoutMs: timeout,
                memoryLimit: memory
            ) { result in
                guard case .failure(let failure) = result else {
                    promise.succeed(APIResponseMapping.response(result))
                    return
                }
                // Failures are recorded first: the response names the run that holds the details.
                let duration = StorageExecutor.wallClock() - started
                failures.record(
                    app: appName,
                    file: route.file,
                    failure: failure,
                    startedAt: started,
                    durationMs: duration
                ) {
                    run in
                    promise.succeed(APIResponseMapping.response(result, run: run, debug: debug))
                }
            }
            promise.futureResult.assumeIsolated().whenSuccess { [self] response in
                var response = response
                if !owner { CORSPolicy.decorate(&response, request: head.headers, options: cors) }
                self.respond(context: context, head: head, response: response)
            }
        }
    }
}

/// The request as the JavaScript runtime receives it, as JSON written by hand (Foundation's
/// serializer cost more than the rest of an invocation).
enum APIRequestEncoding {
    static func json(
        head: HTTPRequestHead,
        path: String,
        params: [String: String] = [:],
        query: String?,
        body: ByteBuffer,
        ip: String
    ) -> String {
        var headers: [(String, String)] = []
        var index: [String: Int] = [:]
        for (name, value) in head.headers {
            let key = name.lowercased()
            if let at = index[key] {
                headers[at].1 += ", " + value
            } else {
                index[key] = headers.count
                headers.append((key, value))
            }
        }
        var parameters: [(String, [String])] = []
        var seen: [String: Int] = [:]
        for pair in (query ?? "").split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            func decode(_ text: Substring) -> String {
                let plain = text.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if let at = seen[key] {
                parameters[at].1.append(value)
            } else {
                seen[key] = parameters.count
                parameters.append((key, [value]))
            }
        }
        let host = index["host"].map { headers[$0].1 } ?? "localhost"
        var out = JSONText()
        out.raw("{\"method\":")
        out.string(head.method.rawValue)
        out.raw(",\"path\":")
        out.string(path)
        out.raw(",\"url\":")
        out.string("http://\(host)\(head.uri)")
        out.raw(",\"query\":{")
        for (offset, (key, values)) in parameters.enumerated() {
            if offset > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            if values.count == 1 {
                out.string(values[0])
            } else {
                out.raw("[")
                for (position, value) in values.enumerated() {
                    if position > 0 { out.raw(",") }
                    out.string(value)
                }
                out.raw("]")
            }
        }
        out.raw("},\"params\":{")
        for (offset, (key, value)) in params.sorted(by: { $0.key < $1.key }).enumerated() {
            if offset > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(value)
        }
        out.raw("},\"headers\":{")
        for (offset, (key, value)) in headers.enumerated() {
            if offset > 0 { out.raw(",") }
            out.string(key)
            out.raw(":")
            out.string(value)
        }
        out.raw("},\"ip\":")
        out.string(ip)
        // Text bodies travel as they are; anything that is not valid UTF-8 (uploads) as base64.
        if let text = String(validating: body.readableBytesView, as: UTF8.self) {
            out.raw(",\"body\":")
            out.string(text)
        } else {
            out.raw(",\"bodyBase64\":")
            out.string(Data(body.readableBytesView).base64EncodedString())
        }
        out.raw("}")
        return out.text
    }
}

/// A minimal JSON text builder: raw punctuation plus correctly escaped strings.
struct JSONText {
    private(set) var text = ""

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) { JSONValue.quote(value, into: &text) }
}

/// Maps the runtime's answer to an HTTP response (500 for app errors and crashes, 503 for limits).
///
/// Exception text can leak internals, so a 500 tells an anonymous client only `internal error` and
/// the run id (`fazt runs APP` and the app log hold the message, `where`, code and stack); with
/// `"debug": true` in the manifest the body carries them too.
enum APIResponseMapping {
    static func response(_ result: InvocationResult, run: Int64? = nil, debug: Bool = false) -> Response {
        switch result {
        case .response(let answer):
            var headers = HTTPHeaders()
            for (name, value) in answer.headers {
                switch name.lowercased() {
                case "content-length", "transfer-encoding", "connection", "date": continue
                default: headers.add(name: name, value: value)
                }
            }
            let status = HTTPResponseStatus(statusCode: (100...599).contains(answer.status) ? answer.status : 500)
            return Response(status: status, headers: headers, body: ByteBuffer(bytes: answer.body))
        case .failure(let failure):
            var body: [(String, JSONValue)] = []
            let status = ErrorMapping.status(for: failure.kind)
            // The server's own words about a limit show; the app's own text only with debug.
            let shown = failure.kind.isServerLimit || debug
            body.append(("error", .string(shown ? failure.message : "internal error")))
            if debug || status == .serviceUnavailable {
                if let location = failure.location { body.append(("where", .string(location))) }
                if let code = failure.code { body.append(("code", .string(code))) }
            }
            if let run { body.append(("run", .number(Double(run)))) }
            var response = ControlAPI.rawJSON(JSONValue.object(body).text, status: status)
            if failure.kind == .busy { response.headers.add(name: "Retry-After", value: "1") }
            return response
        }
    }
}

/// CORS for `/api/*`: the manifest's `cors` options, or by default any origin without credentials.
enum CORSPolicy {
    /// The `Access-Control-Allow-Origin` value for `origin`, or nil when it is not allowed.
    static func allowedOrigin(_ origin: String, options: Manifest.CORSOptions?) -> String? {
        guard let options else { return "*" }
        if options.origins.contains("*") { return options.credentials ? origin : "*" }
        return options.origins.contains(origin) ? origin : nil
    }

    static func preflight(_ request: HTTPHeaders, options: Manifest.CORSOptions?) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Vary", value: "Origin, Access-Control-Request-Headers")
        guard let origin = request.first(name: "Origin"), let allowed = allowedOrigin(origin, options: options) else {
            return Response(status: .noContent, headers: headers)
        }
        headers.add(name: "Access-Control-Allow-Origin", value: allowed)
        let methods = options?.methods ?? ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        headers.add(name: "Access-Control-Allow-Methods", value: methods.joined(separator: ", "))
        if let allowedHeaders = options?.headers {
            headers.add(name: "Access-Control-Allow-Headers", value: allowedHeaders.joined(separator: ", "))
        } else if let asked = request.first(name: "Access-Control-Request-Headers") {
            headers.add(name: "Access-Control-Allow-Headers", value: asked)
        }
        if options?.credentials == true { headers.add(name: "Access-Control-Allow-Credentials", value: "true") }
        headers.add(name: "Access-Control-Max-Age", value: String(options?.maxAge ?? 600))
        return Response(status: .noContent, headers: headers)
    }

    static func decorate(_ response: inout Response, request: HTTPHeaders, options: Manifest.CORSOptions?) {
        guard let origin = request.first(name: "Origin"),
            !response.headers.contains(name: "Access-Control-Allow-Origin"),
            let allowed = allowedOrigin(origin, options: options)
        else { return }
        response.headers.add(name: "Access-Control-Allow-Origin", value: allowed)
        if allowed != "*" { response.headers.add(name: "Vary", value: "Origin") }
        if options?.credentials == true {
            response.headers.add(name: "Access-Control-Allow-Credentials", value: "true")
        }
    }
}
