import FaztNet
import Foundation

/// An external git repository reached over smart HTTP(S), with optional Basic credentials.
public struct GitRemote: Sendable {
    /// Basic credentials; the password (a token) never appears in any message.
    public struct Credentials: Sendable {
        public var user: String
        public var password: String
        /// The secret the password came from, named in authentication errors.
        public var secretName: String

        public init(user: String, password: String, secretName: String) {
            self.user = user
            self.password = password
            self.secretName = secretName
        }
    }

    /// Most requests made for one call while the remote answers 401 (git's credential retries, capped).
    public static let maxAttempts = 3
    /// The agent string sent to remotes.
    static let agent = "fazt/1"

    /// The repository URL without a trailing slash.
    public let url: String
    let credentials: Credentials?
    /// Performs one HTTP request: libcurl through `HTTPClient`, or a test's script.
    let send: @Sendable (String, String, [String], [UInt8]?) throws -> (status: Int, body: [UInt8])

    /// Checks `url` (http or https, no credentials inside) and keeps `credentials` for every request;
    /// a response longer than `maxResponseBytes` (a pack, a ref list) fails instead of filling memory.
    public init(
        url: String,
        credentials: Credentials?,
        timeoutSeconds: Int = 300,
        maxResponseBytes: Int = 512 << 20
    ) throws(GitRemoteError) {
        try self.init(url: url, credentials: credentials) { method, url, headers, body in
            let response = try HTTPClient.perform(
                method: method,
                url: url,
                headers: headers,
                body: body,
                timeoutSeconds: timeoutSeconds,
                maxResponseBytes: maxResponseBytes
            )
            return (response.status, response.body)
        }
    }

    /// The same with `send` performing each request (tests count and script the answers).
    init(
        url: String,
        credentials: Credentials?,
        send: @escaping @Sendable (String, String, [String], [UInt8]?) throws -> (status: Int, body: [UInt8])
    ) throws(GitRemoteError) {
        var trimmed = url.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let parts = URLComponents(string: trimmed), let scheme = parts.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty
        else {
            throw .invalidRequest(
                "'\(url)' is not an http(s) URL of a git repository (as in https://github.com/OWNER/REPO.git)"
            )
        }
        guard parts.user == nil, parts.password == nil else {
            throw .invalidRequest(
                "the URL carries credentials: remove them, store the token as a secret of the app "
                    + "('fazt secret set APP NAME TOKEN') and pass its name (--secret NAME)"
            )
        }
        guard parts.query == nil, parts.fragment == nil else {
            throw .invalidRequest("the repository URL must not have a query or fragment")
        }
        self.url = trimmed
        self.credentials = credentials
        self.send = send
    }

    /// Discovers the remote's refs for `service` (`git-receive-pack` or `git-upload-pack`).
    func discover(_ service: String) throws -> RemoteAdvertisement {
        let response = try request("GET", "/info/refs?service=\(service)", headers: [], body: nil)
        return try RemoteAdvertisement.parse(response.body, service: service)
    }

    /// Posts `body` to the `service` endpoint and returns the response body.
    func rpc(_ service: String, body: [UInt8]) throws(GitRemoteError) -> [UInt8] {
        let headers = [
            "Content-Type: application/x-\(service)-request", "Accept: application/x-\(service)-result",
        ]
        return try request("POST", "/\(service)", headers: headers, body: body).body
    }

    /// One request, repeated while the remote answers 401, at most `maxAttempts` times in all.
    private func request(
        _ method: String,
        _ path: String,
        headers: [String],
        body: [UInt8]?
    ) throws(GitRemoteError) -> (status: Int, body: [UInt8]) {
        var all = headers + ["User-Agent: \(Self.agent)", "Pragma: no-cache"]
        if let credentials {
            let pair = Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
            all.append("Authorization: Basic \(pair)")
        }
        var attempt = 0
        while true {
            attempt += 1
            let response: (status: Int, body: [UInt8])
            do {
                response = try send(method, url + path, all, body)
            } catch {
                throw .transport("cannot reach \(url): \(error)")
            }
            switch response.status {
            case 200..<300:
                return response
            case 401:
                guard let credentials else {
                    throw .authenticationFailed(
                        "\(url) needs credentials: store a token with 'fazt secret set APP NAME TOKEN' "
                            + "and pass --secret NAME"
                    )
                }
                // A fresh token can be refused for a moment while the host propagates it; retry, capped.
                if attempt < Self.maxAttempts { continue }
                throw .authenticationFailed(
                    "authentication failed for \(url) after \(attempt) attempts (check the secret "
                        + "\(credentials.secretName) and the user name '\(credentials.user)')"
                )
            case 403:
                throw .transport(
                    "\(url) refused access (HTTP 403): the credentials lack permission for this repository"
                )
            case 404:
                throw .transport("no git repository at \(url) (HTTP 404): check the URL")
            default:
                let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingTrailingSpace
                throw .transport(
                    "\(method) \(url)\(path) answered HTTP \(response.status)\(text.isEmpty ? "" : ": \(text)")"
                )
            }
        }
    }
}
