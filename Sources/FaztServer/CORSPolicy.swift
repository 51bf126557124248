import FaztVFS
import NIOHTTP1

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
