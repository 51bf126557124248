import FaztAPI
import Foundation
import NIOCore
import NIOHTTP1

/// A complete response, built off or on the event loop and written by `HTTPHandler`.
struct Response: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    /// Header lines already serialized (`Name: value\r\n` each), for the static hot path.
    var preformatted: ByteBuffer?
    /// The `Content-Length` to send when `body` is nil (HEAD answers).
    var declaredLength: Int?
    /// Send no `Content-Length` at all (304 answers).
    var omitsLength = false
    /// Instead of a body: stream new entries as server-sent events (`?follow=1`); `FaztResponder`
    /// answers such a response with `Reply.stream`.
    var follow: FollowTarget?
    /// Instead of a body: this file on the server's disk, streamed after the head (a download;
    /// the headers carry its `Content-Length`).
    var file: String?
    var body: ByteBuffer?

    init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from an `Encodable` value.
    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) -> Response {
        let data = (try? JSONCoding.encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        return Response(status: status, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// The control API's error shape: `{"error":{"code":"...","message":"..."}}`.
    static func error(_ status: HTTPResponseStatus, code: String, message: String) -> Response {
        json(ErrorBody(error: .init(code: code, message: message)), status: status)
    }

    /// A small plain-text response (used outside the control API).
    static func text(
        _ status: HTTPResponseStatus,
        _ text: String,
        contentType: String = "text/plain; charset=utf-8"
    )
        -> Response
    {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        return Response(status: status, headers: headers, body: ByteBuffer(string: text))
    }
}

/// Shared JSON coders (sorted keys keep output stable for tools and tests).
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
