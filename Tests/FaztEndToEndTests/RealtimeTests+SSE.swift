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

    /// Opens `/_sse` on `app` with `query` and reads until the stream says it is subscribed
    /// (`event: ready`, after the catch-up of any missed messages).
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
        _ = try stream.readUntil("event: ready")
        return stream
    }

    @Test func streamsChannelsAsServerSentEventsAndResumesFromTheLastEventID() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("board", manifest: #"{"realtime": {}}"#)
        let stream = try Self.openEventStream(server, "board", query: "channel=a&channel=b")
        let (head, _) = Self.parseEventStream(try stream.readUntil("event: ready"))
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
        // The id is the stream's position in every channel: "offset:epoch:channel", space-separated.
        let a2 = try #require(events.first { $0.data.contains("sse-a-2") }?.id, "\(events)")
        let positions = a2.split(separator: " ").map { $0.split(separator: ":").map(String.init) }
        #expect(positions.map { [$0[0], $0[2]] } == [["2", "a"], ["1", "b"]], "\(a2)")

        // Both channels miss messages; one reconnect with the last id resumes each where it stopped.
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-3"}"#)
        _ = try server.mustPublish("board", "b", json: #"{"note":"sse-b-2"}"#)
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-4"}"#)
        let resumed = try Self.openEventStream(
            server,
            "board",
            query: "channel=a&channel=b",
            headers: [("Last-Event-ID", a2)]
        )
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-5"}"#)
        let (_, replay) = Self.parseEventStream(try resumed.readUntil("sse-a-5"))
        let replayed = replay.map(\.data).compactMap { data -> String? in
            guard let range = data.range(of: #"sse-[ab]-\d"#, options: .regularExpression) else { return nil }
            return String(data[range])
        }
        #expect(
            replayed == ["sse-a-3", "sse-a-4", "sse-b-2", "sse-a-5"],
            "missed ones per channel, then live: \(replay)"
        )

        // An id from another epoch (history lost) cannot be resumed: the stream says so.
        let stale = try Self.openEventStream(
            server,
            "board",
            query: "channel=a",
            headers: [("Last-Event-ID", "1:0000000000000000:a")]
        )
        _ = try server.mustPublish("board", "a", json: #"{"note":"sse-a-6"}"#)
        let (_, after) = Self.parseEventStream(try stale.readUntil("sse-a-6"))
        #expect(after.contains { $0.fields["event"] == "reset" }, "\(after)")
        #expect(!after.contains { $0.data.contains("sse-a-5") }, "nothing is replayed across epochs: \(after)")
    }
}
