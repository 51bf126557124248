import FaztAPI
import Foundation
import NIOCore
import NIOHTTP1

/// A control API request, fully received.
struct APIRequest: Sendable {
    /// A deploy body spooled to a temporary file.
    struct Upload: Sendable {
        var file: SpoolFile
        /// Completes when every received byte is on disk.
        var written: EventLoopFuture<Void>
    }

    var head: HTTPRequestHead
    /// The path below `/_fazt/api/v1`, without the query.
    var path: String
    var body: ByteBuffer
    var upload: Upload?
    /// The verified token (set by the control API before routing; preset by MCP tool calls, which
    /// verified it already).
    var token: TokenInfo?
    /// Made by an MCP tool call, which writes its own audit row.
    var viaMCP = false
    /// The dashboard session's id when the request was signed in with its cookie.
    var session: String?

    var method: HTTPMethod { head.method }

    /// Decoded query parameters (the last value wins).
    var query: [String: String] {
        guard let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key =
                String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            result[key] = value.removingPercentEncoding ?? value
        }
        return result
    }

    /// `?limit=`: `fallback` when absent, else a whole number in 1...`maximum`, or a 400 naming
    /// the range (never silently clamped).
    func limit(default fallback: Int, maximum: Int) throws -> Int {
        guard let text = query["limit"] else { return fallback }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw APIError.badRequest("limit must be a whole number from 1 to \(maximum) (got '\(text)')")
        }
        return limit
    }

    /// The token from `Authorization: Bearer <token>`.
    var bearerToken: String? { Self.bearerToken(in: head.headers) }

    /// The token from an `Authorization: Bearer <token>` header, if there is one.
    static func bearerToken(in headers: HTTPHeaders) -> String? {
        guard let value = headers.first(name: "Authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1].trimmingSpaces)
    }

    /// Decodes the body as JSON into `T`, or fails with a 400 naming the problem.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        guard body.readableBytes > 0 else { throw APIError.badRequest("a JSON body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw APIError.badRequest("invalid JSON body: \(error)")
        }
    }
}
