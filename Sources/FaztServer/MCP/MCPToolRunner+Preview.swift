import FaztAPI
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `preview_request`: one request to a version's preview, through the server's own routing.
extension MCPToolRunner {
    /// Most body bytes returned.
    static let maxPreviewBody = 64 * 1024

    func previewRequest() async throws -> MCPToolResult {
        let app = try app()
        let version = try int("version")
        var path = try string("path")
        if !path.hasPrefix("/") { path = "/" + path }
        let method = HTTPMethod(rawValue: (try optionalString("method") ?? "GET").uppercased())
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        if let headers = arguments["headers"] {
            guard case .object(let members) = headers else { throw MCPToolError("headers must be an object") }
            for (name, value) in members {
                guard let text = value.stringValue else { throw MCPToolError("header '\(name)' must be a string") }
                let lower = name.lowercased()
                if lower == "host" || lower == "authorization" || lower == "cookie" { continue }
                head.headers.add(name: name, value: text)
            }
        }
        let port = services.boundPort
        let label = AppName.previewLabel(app: app, version: version)
        head.headers.replaceOrAdd(
            name: "Host",
            value: "\(label).\(services.configuration.domain)\(port == 80 ? "" : ":\(port)")"
        )
        // The preview admits the caller's own token (apps:read on the app), never more.
        head.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(server.secret)")
        var body = ByteBuffer()
        if let text = try optionalString("body") {
            body.writeString(text)
            if !head.headers.contains(name: "Content-Type") {
                head.headers.add(name: "Content-Type", value: "application/json")
            }
        }
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        let logs = services.logs
        let lastID = try await blocking { try logs.read(app: label, after: nil, limit: 1).last?.id ?? 0 }
        let started = ContinuousClock.now
        server.progress?(1, 2, "sending \(method) \(path) to version \(version) of \(app)")
        let response = await server.dispatch(head, body)
        server.progress?(2, 2, "version \(version) answered \(response.status.code)")
        let elapsed = ContinuousClock.now - started
        // The client went away meanwhile: stop here (nothing further is sent).
        try Task.checkCancellation()
        await logs.settled()
        let emitted = try await blocking { try logs.read(app: label, after: lastID, limit: 200) }
        var headers: [(String, JSONValue)] = []
        for (name, value) in response.headers where name.lowercased() != "set-cookie" {
            headers.append((name.lowercased(), .string(value)))
        }
        // Static answers carry their header lines preformatted (`Name: value\r\n` each).
        if let lines = response.preformatted.map({ String(buffer: $0) }) {
            for line in lines.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                guard name != "set-cookie" else { continue }
                headers.append((name, .string(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))))
            }
        }
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        let shown = Array(bytes.prefix(Self.maxPreviewBody))
        let text = String(validating: shown, as: UTF8.self)
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return MCPToolResult(
            value: .object([
                ("status", .number(Double(response.status.code))),
                ("headers", .object(headers)),
                ("body", .string(text ?? Data(shown).base64EncodedString())),
                ("bodyEncoding", .string(text == nil ? "base64" : "utf8")),
                ("truncated", .bool(bytes.count > shown.count)),
                ("durationMs", .number(Double(ms))),
                ("logs", Self.encoded(emitted)),
            ])
        )
    }
}
