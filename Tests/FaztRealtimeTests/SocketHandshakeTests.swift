import FaztRealtime
import FaztVFS
import Testing

@Suite struct SocketHandshakeTests {
    private func headers(_ pairs: [String: String]) -> (String) -> String? {
        { name in pairs.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    private let valid = [
        "Upgrade": "websocket", "Connection": "keep-alive, Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    ]

    @Test func acceptValueIsTheRFCExample() {
        // RFC 6455 §1.3.
        #expect(SocketHandshake.acceptValue(key: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(SocketHandshake.accept(header: headers(valid)) == .success("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    @Test func missingOrBadHeadersAreRefusedWithTheRightStatus() {
        var noKey = valid
        noKey["Sec-WebSocket-Key"] = nil
        guard case .failure(.badRequest) = SocketHandshake.accept(header: headers(noKey)) else {
            Issue.record("a missing key must be 400")
            return
        }
        var shortKey = valid
        shortKey["Sec-WebSocket-Key"] = "c2hvcnQ="
        guard case .failure(.badRequest) = SocketHandshake.accept(header: headers(shortKey)) else {
            Issue.record("a key that is not 16 bytes must be 400")
            return
        }
        var oldVersion = valid
        oldVersion["Sec-WebSocket-Version"] = "8"
        #expect(SocketHandshake.accept(header: headers(oldVersion)) == .failure(.unsupportedVersion))
        var noUpgrade = valid
        noUpgrade["Upgrade"] = nil
        guard case .failure(.badRequest) = SocketHandshake.accept(header: headers(noUpgrade)) else {
            Issue.record("a request without Upgrade must be 400")
            return
        }
    }

    @Test func originsMatchExactlyAndLookAlikesAreRefused() {
        let own = RealtimeOptions()
        #expect(
            SocketHandshake.check(origin: "http://app.localhost:8080", host: "app.localhost:8080", options: own) == nil
        )
        #expect(
            SocketHandshake.check(origin: "https://app.localhost:8080", host: "app.localhost:8080", options: own) == nil
        )
        #expect(
            SocketHandshake.check(origin: "http://evil-app.localhost:8080", host: "app.localhost:8080", options: own)
                != nil
        )
        #expect(
            SocketHandshake.check(
                origin: "http://app.localhost:8080.evil.example",
                host: "app.localhost:8080",
                options: own
            ) != nil
        )
        #expect(SocketHandshake.check(origin: "http://app.localhost", host: "app.localhost:8080", options: own) != nil)
        #expect(SocketHandshake.check(origin: nil, host: "app.localhost:8080", options: own) == nil)
        var listed = RealtimeOptions()
        listed.origins = ["https://shop.example"]
        #expect(SocketHandshake.check(origin: "https://shop.example", host: "app.localhost", options: listed) == nil)
        #expect(
            SocketHandshake.check(origin: "https://shop.example.evil", host: "app.localhost", options: listed) != nil
        )
        #expect(SocketHandshake.check(origin: "http://app.localhost", host: "app.localhost", options: listed) != nil)
        var any = RealtimeOptions()
        any.origins = ["*"]
        #expect(SocketHandshake.check(origin: "https://anywhere.example", host: "app.localhost", options: any) == nil)
        var strict = RealtimeOptions()
        strict.requireOrigin = true
        #expect(SocketHandshake.check(origin: nil, host: "app.localhost", options: strict) != nil)
    }
}
