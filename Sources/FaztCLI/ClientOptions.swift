import ArgumentParser
import FaztAPI
import FaztNet
import Foundation

/// Where the client commands find the server: flags, then environment, then `fazt login`'s config.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server URL (default: FAZT_SERVER or the one saved by 'fazt login').") var server: String?
    @Option(help: "Owner token (default: FAZT_TOKEN or the one saved by 'fazt login').") var token: String?
    @Flag(help: "Print JSON instead of text.") var json = false

    func client() throws -> APIClient { try Self.client(server: server, token: token) }

    /// The client for `server` and `token` (each nil: the environment, then `fazt login`'s config).
    static func client(server: String?, token: String?) throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        let saved = CLIConfig.load()
        guard let server = server ?? environment["FAZT_SERVER"] ?? saved?.server else {
            throw CLIError("no server configured: run 'fazt login URL TOKEN' or pass --server")
        }
        if let token { return APIClient(server: server, token: token, tokenSource: .flag) }
        if let token = environment["FAZT_TOKEN"] {
            return APIClient(server: server, token: token, tokenSource: .environment)
        }
        guard let token = saved?.token else {
            throw CLIError("no token configured: run 'fazt login URL TOKEN' or pass --token")
        }
        return APIClient(server: server, token: token, tokenSource: .config(path: CLIConfig.path))
    }
}

/// Where the token came from, so that a refused token can be traced and fixed.
enum TokenSource {
    /// The token given to `fazt login` itself.
    case argument
    case flag
    case environment
    case config(path: String)

    /// What to say when the server answers 401.
    var refusal: String {
        let status = "(401 unauthorized)"
        switch self {
        case .argument:
            return "the server refused this token \(status): check it, or create one on the server with "
                + "'fazt token create'"
        case .flag:
            return "the server refused the token from --token \(status): pass a valid --token or run "
                + "'fazt login URL TOKEN'"
        case .environment:
            return
                "the server refused the token from FAZT_TOKEN \(status): run 'fazt login URL TOKEN' or fix FAZT_TOKEN"
        case .config(let path):
            return "the server refused the token saved in \(path) \(status): run 'fazt login URL TOKEN' again"
        }
    }
}

/// Calls the control API and turns its error shape into readable messages.
struct APIClient {
    var server: String
    var token: String
    var tokenSource = TokenSource.argument

    var base: String { (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/_fazt/api/v1" }

    func call(
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json",
        timeoutSeconds: Int = 600,
        progress: ((Int64, Int64) -> Void)? = nil
    ) throws -> [UInt8] {
        var headers = ["Authorization: Bearer \(token)"]
        if body != nil { headers.append("Content-Type: \(contentType)") }
        let response: HTTPClientResponse
        do {
            response = try HTTPClient.perform(
                method: method,
                url: base + path,
                headers: headers,
                body: body,
                timeoutSeconds: timeoutSeconds,
                progress: progress
            )
        } catch {
            throw CLIError("cannot reach \(server): \(error)")
        }
        guard (200..<300).contains(response.status) else {
            if response.status == 401 { throw CLIError(tokenSource.refusal) }
            if let failure = try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body)) {
                throw CLIError("\(failure.error.message) (\(failure.error.code), HTTP \(response.status))")
            }
            throw CLIError("HTTP \(response.status) from \(server): \(response.text.prefix(200))")
        }
        return response.body
    }

    /// Calls the API; with `json` prints the answer as JSON and returns nil, else decodes it.
    func fetch<T: Decodable>(
        _ type: T.Type,
        _ method: String,
        _ path: String,
        body: [UInt8]? = nil,
        json: Bool,
        timeoutSeconds: Int = 600
    ) throws -> T? {
        let bytes = try call(method, path, body: body, timeoutSeconds: timeoutSeconds)
        if json {
            Output.printRawJSON(bytes)
            return nil
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw CLIError("unexpected answer from the server: \(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, body: [UInt8]? = nil) throws -> T {
        guard let value = try fetch(type, method, path, body: body, json: false) else {
            throw CLIError("unexpected empty answer from the server")
        }
        return value
    }

}
