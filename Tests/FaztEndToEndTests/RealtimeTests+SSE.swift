import FaztTestSupport
import Foundation
import Testing

/// The server-sent-events fallback at `/_sse` on an app's host.
extension RealtimeTests {
    /// One server-sent event's fields (`id`, `event`, `data` lines joined with "\n").
    struct ServerSentEvent {
        var fields: [String: String]
        var id: String? { fields["id"] }
        var data: String { fields["data"] ?? "" }
    }

    /// The head and the events so far of a raw HTTP response read with `TestConnection.readUntil`;
    /// a chunked body is de-chunked first, and a trailing partial event is left out.
    static func parseEventStream(_ raw: String) -> (head: String, events: [ServerSentEvent]) {
        guard let split = raw.range(of: "\r\n\r\n") else { return (raw, []) }
        let head = String(raw[..<split.lowerBound])
        var body = String(raw[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        var blocks = body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        blocks.removeLast()
        let events = blocks.compactMap { block -> ServerSentEvent? in
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                fields[name] = fields[name].map { $0 + "\n" + value } ?? value
            }
            return fields.isEmpty ? nil : ServerSentEvent(fields: fields)
        }
        return (head, events)
    }

    /// The data of a chunked body read so far (a last incomplete chunk is kept as far as it goes).
    static func dechunk(_ body: String) -> String {
        var bytes = Array(body.utf8)[...]
        var out: [UInt8] = []
        while let lineEnd = bytes.firstRange(of: [13, 10]) {
            let sizeText = String(decoding: bytes[bytes.startIndex..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let available = bytes.endIndex - start
            out += bytes[start..<start + min(size, available)]
            guard available >= size + 2 else { break }
            bytes = bytes[(start + size + 2)...]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Opens `/_sse` on `app` with `query` and reads until the response head is complete.
    static func openEventStream(
        _ server: ServerProcess,
        _ app: String,
        query: String,
        headers: [(String, String)] = []
    ) throws -> TestConnection {
        let stream = try TestConnection(port: server.port, timeoutSeconds: 10)
        try stream.sendRequest(
            "GET",
            "/_sse?" + query,
            host: "\(app).localhost:\(server.port)",
            headers: [("Accept", "text/event-stream"), ("Accept-Encoding", "gzip, br")] + headers
        )
        _ = try stream.readUntil("\r\n\r\n")
        return stream
    }

    @Test func streamsChannelsAsServerSentEventsAndResumesFromTheLastEventID() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("board", manifest: #"{"realtime": {}}"#)
        let stream = try Self.openEventStream(server, "board", query: "channel=a&channel=b")
        // The head arriving is the readiness signal (the subscriptions are made before it is sent).
        let (head, _) = Self.parseEventStream(try stream.readUntil("\r\n\r\n"))
        let lowered = head.lowercased()
        #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
        #expect(lowered.contains("content-type: text/event-stream"), "\(head)")
        #expect(lowered.contains("cache-control: no-cache"), "\(head)")
        #expect(lowered.contains("x-accel-buffering: no"), "\(head)")
        #expect(!lowered.contains("content-encoding"), "an event stream is never compressed: \(head)")

        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-1"}"#)
        _ = try server.mustPublish("board", "b", json: #"{"note":"sse-b-1"}"#)
        _ = try server.mustPublish("board", "c", json: #"{"note":"sse-c-1"}"#)
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-2"}"#)
        let (_, events) = Self.parseEventStream(try stream.readUntil("sse-a-2"))
        let notes = events.map(\.data).filter { $0.contains("sse-") }
        #expect(notes.count == 3 && !notes.joined().contains("sse-c-1"), "only the asked channels: \(events)")
        let a2 = events.first { $0.data.contains("sse-a-2") }
        #expect(a2?.id == "2", "the event id is the channel offset: \(events)")
        #expect(events.first { $0.data.contains("sse-b-1") }?.id == "1", "\(events)")

        // Resume channel a from its offset 2 after missing 3 and 4.
        let single = try Self.openEventStream(server, "board", query: "channel=a")
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-3"}"#)
        _ = try single.readUntil("sse-a-3")
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-4"}"#)
        let resumed = try Self.openEventStream(server, "board", query: "channel=a", headers: [("Last-Event-ID", "2")])
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-5"}"#)
        let (_, replay) = Self.parseEventStream(try resumed.readUntil("sse-a-5"))
        let replayed = replay.filter { $0.data.contains("sse-a-") }
        #expect(replayed.map(\.id) == ["3", "4", "5"], "the missed ones, in order, then live: \(replay)")
    }
}
