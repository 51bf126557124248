import Foundation

extension ServerProcess {
    /// The origin a browser sends for pages of `app`: `http://<app>.localhost:<port>`.
    public func origin(of app: String) -> String { "http://\(app).localhost:\(port)" }

    /// Opens a WebSocket to `path` (default `/_ws`) on the host of `app`; `origin` adds an `Origin` header.
    public func socket(
        _ app: String,
        path: String = "/_ws",
        origin: String? = nil,
        headers: [(String, String)] = [],
        omitting: Set<String> = [],
        receiveBufferSize: Int? = nil,
        timeout: Duration = WebSocketTestClient.defaultTimeout
    ) throws -> WebSocketTestClient {
        try WebSocketTestClient.connect(
            port: port,
            host: "\(app).localhost:\(port)",
            path: path,
            headers: (origin.map { [("Origin", $0)] } ?? []) + headers,
            omitting: omitting,
            receiveBufferSize: receiveBufferSize,
            timeout: timeout
        )
    }

    /// Publishes `json` (the message data, as JSON text) on `channel` of `app` through the control API.
    public func publish(_ app: String, _ channel: String, json: String) throws -> TestResponse {
        let escaped =
            channel.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? channel
        return try api(
            "POST",
            "/apps/\(app)/channels/\(escaped)/messages",
            headers: [("Content-Type", "application/json")],
            body: Array(json.utf8)
        )
    }
}
