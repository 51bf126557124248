import Foundation
import NIOCore
import NIOHTTP1

/// The request as the JavaScript runtime receives it, as JSON written by hand (Foundation's
/// serializer cost more than the rest of an invocation).
enum APIRequestEncoding {
    /// The request's JSON, and its body as bytes when it is not UTF-8 text (uploads, images): those
    /// travel to the worker as raw bytes beside the JSON and reach JavaScript as a `Uint8Array`.
    static func encode(
        head: HTTPRequestHead,
        path: String,
        params: [String: String] = [:],
        query: String?,
        body: ByteBuffer,
        ip: String,
        scheme: String = "http"
    ) -> (json: String, bytes: [UInt8]?) {
        let text = String(validating: body.readableBytesView, as: UTF8.self)
        let json = json(head: head, path: path, params: params, query: query, text: text, ip: ip, scheme: scheme)
        return (json, text == nil ? Array(body.readableBytesView) : nil)
    }

    private static func json(
        head: HTTPRequestHead,
        path: String,
        params: [String: String] = [:],
        query: String?,
        text: String?,
        ip: String,
        scheme: String
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
        // The scheme clients use (`--public-url` behind a TLS proxy): `url` is what they requested.
        out.string("\(scheme)://\(host)\(head.uri)")
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
        // Text bodies travel in the JSON; anything that is not valid UTF-8 beside it, as bytes.
        if let text {
            out.raw(",\"body\":")
            out.string(text)
        }
        out.raw("}")
        return out.text
    }
}
