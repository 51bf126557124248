import FaztJSON
import FaztScheduler
import FaztStorage
import FaztVFS
import Foundation
import NIOHTTP1

/// `/apps/{name}/assistant/conversations[/{id}[/reply]]`: the owner's side of an assistant app
/// (`fazt assistant conversations|show|reply`).
///
/// Conversations and messages are the app's own documents (collections `conversations` and
/// `messages`, written by the template's JavaScript); they are read here on a reader connection. A
/// reply is not written here: it becomes the event `app:<app>.assistant.reply` (`{conversation, text,
/// at}`, persisted), which the app's handler stores and streams into the visitor's widget — so the
/// app's code stays the one writer of its data.
extension ControlAPI {
    /// A reply's largest size in bytes.
    static let maxReplyBytes = 8 << 10

    func assistantRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 4, segments[0] == "apps", segments[2] == "assistant" else { return nil }
        guard segments[3] == "conversations", segments.count <= 6 else {
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
        let (app, manifest) = try await liveManifest(segments[1])
        guard manifest.assistant else {
            throw APIError.notFound(
                "\(app) is not an assistant: its fazt.json has no \"assistant\" object "
                    + "(create one with 'fazt create NAME --template assistant')"
            )
        }
        switch (request.method, segments.count) {
        case (.GET, 4):
            return try await conversations(request, app: app)
        case (.GET, 5):
            return try await conversation(segments[4], app: app)
        case (.POST, 6) where segments[5] == "reply":
            return try await reply(request, app: app, conversation: segments[4])
        case (_, 4), (_, 5),
            (_, 6) where segments.count < 6 || segments[5] == "reply":
            throw APIError.methodNotAllowed(request.method)
        default:
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
    }

    /// `GET …/conversations?status&limit` → `{"app","conversations":[…]}`, most recently active first.
    private func conversations(_ request: APIRequest, app: String) async throws -> Response {
        let limit = try request.limit(default: 100, maximum: 1000)
        var query: [(String, JSONValue)] = []
        if let status = request.query["status"] {
            guard ["open", "pending", "human"].contains(status) else {
                throw APIError.badRequest("status must be open, pending or human (got \(status))")
            }
            query.append(("status", .string(status)))
        }
        let options = JSONValue.object([("sort", .string("-updatedAt")), ("limit", .number(Double(limit)))])
        let filter = JSONValue.object(query)
        let found = try await readDocuments(app: app) { documents in
            try documents.find("conversations", filter, options: FindOptions(options))
        }
        let list = found.map(Self.withoutKey).joined(separator: ",")
        return Self.rawJSON(#"{"app":\#(JSONValue.quoted(app)),"conversations":[\#(list)]}"#)
    }

    /// `GET …/conversations/{id}` → `{"app","conversation","messages":[…]}` (oldest message first).
    private func conversation(_ id: String, app: String) async throws -> Response {
        let id = id.removingPercentEncoding ?? id
        let options = JSONValue.object([("sort", .string("at")), ("limit", .number(10_000))])
        let (conversation, messages) = try await readDocuments(app: app) { documents in
            (
                try documents.get("conversations", id: id),
                try documents.find("messages", .object([("conversation", .string(id))]), options: FindOptions(options))
            )
        }
        guard let conversation else { throw Self.noConversation(id, app: app) }
        return Self.rawJSON(
            #"{"app":\#(JSONValue.quoted(app)),"conversation":\#(Self.withoutKey(conversation)),"#
                + #""messages":[\#(messages.joined(separator: ","))]}"#
        )
    }

    /// `POST …/conversations/{id}/reply` `{"text"}` → 202 `{"app","conversation","event"}` once the
    /// event is on disk.
    private func reply(_ request: APIRequest, app: String, conversation id: String) async throws -> Response {
        let id = id.removingPercentEncoding ?? id
        let body: JSONValue
        do {
            body = try JSONValue.decode(Array(request.body.readableBytesView))
        } catch {
            throw APIError.badRequest(#"send {"text": "…"}: the body is not JSON (\#(error))"#)
        }
        guard let text = body["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw APIError.badRequest(#"send {"text": "…"} with a non-empty text"#) }
        guard text.utf8.count <= Self.maxReplyBytes else {
            throw APIError.badRequest("a reply is at most \(Self.maxReplyBytes) bytes (got \(text.utf8.count))")
        }
        guard try await readDocuments(app: app, { try $0.get("conversations", id: id) }) != nil else {
            throw Self.noConversation(id, app: app)
        }
        let now = StorageExecutor.wallClock()
        let data = JSONValue.object([
            ("conversation", .string(id)), ("text", .string(text)), ("at", .number(Double(now))),
        ])
        let event = Event(app: app, type: "app:\(app).assistant.reply", source: "owner", data: data.text, time: now)
        let bus = services.events
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            bus.emit(event, persist: true) { continuation.resume(with: $0) }
        }
        return Self.rawJSON(
            #"{"app":\#(JSONValue.quoted(app)),"conversation":\#(JSONValue.quoted(id)),"event":\#(JSONValue.quoted(event.id))}"#,
            status: .accepted
        )
    }

    private func readDocuments<T: Sendable>(
        app: String,
        _ body: @escaping @Sendable (DocumentStore) throws -> T
    ) async throws -> T {
        let store = services.store
        return try await blocking {
            try store.read { connection in
                try body(DocumentStore(connection: connection, app: app, now: StorageExecutor.wallClock))
            }
        }
    }

    private static func noConversation(_ id: String, app: String) -> APIError {
        .notFound("\(app) has no conversation \(JSONValue.quoted(id)) (see 'fazt assistant conversations \(app)')")
    }

    /// A conversation document without its `key` (the visitor's secret for it).
    static func withoutKey(_ json: String) -> String {
        guard case .object(let members)? = try? JSONValue.decode(Array(json.utf8)) else { return json }
        return JSONValue.object(members.filter { $0.0 != "key" }).text
    }
}
