import Testing

@testable import FaztRealtime

/// Tokens are accepted only as signed, for their app, before they expire; anything else is refused
/// with a reason and never crashes the reader.
@Suite struct SocketTokenTests {
    let master = Array("a master key of thirty-two bytes".utf8)
    var key: [UInt8] { SocketToken.appKey(master: master, app: "chat") }
    let token = SocketToken(app: "chat", user: "ada", channels: ["private-ada", "room-*"], expiresAtMs: 2_000_000)

    func kind(
        _ text: String,
        key: [UInt8]? = nil,
        app: String = "chat",
        now: Int64 = 1_000_000
    ) -> SocketTokenError.Kind? {
        do {
            _ = try SocketToken.verify(text, key: key ?? self.key, app: app, now: now)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func roundTrips() throws {
        let text = token.signed(key: key)
        #expect(text.hasPrefix("v1.") && text.split(separator: ".").count == 3)
        #expect(try SocketToken.verify(text, key: key, app: "chat", now: 1_999_999) == token)
        let anonymous = SocketToken(app: "chat", user: nil, channels: [], expiresAtMs: 5)
        #expect(try SocketToken.verify(anonymous.signed(key: key), key: key, app: "chat", now: 4) == anonymous)
    }

    @Test func thePayloadIsCompactJSON() throws {
        let payload = token.signed(key: key).split(separator: ".")[1]
        let json = String(decoding: try #require(Base64URL.decode(payload)), as: UTF8.self)
        #expect(json == #"{"app":"chat","user":"ada","channels":["private-ada","room-*"],"exp":2000000}"#)
    }

    @Test func allowsOnlyTheNamedChannels() {
        #expect(token.allows(channel: "private-ada") && token.allows(channel: "room-1"))
        #expect(!token.allows(channel: "private-bob") && !token.allows(channel: "room"))
        #expect(SocketToken(app: "a", user: nil, channels: ["*"], expiresAtMs: 0).allows(channel: "anything"))
        #expect(!SocketToken(app: "a", user: nil, channels: [], expiresAtMs: 0).allows(channel: "anything"))
    }

    @Test func refusesATamperedPayload() {
        let parts = token.signed(key: key).split(separator: ".").map(String.init)
        var forged = token
        forged.channels = ["*"]
        let forgedPayload = forged.signed(key: key).split(separator: ".")[1]
        #expect(kind("v1.\(forgedPayload).\(parts[2])") == .badSignature)
    }

    @Test func refusesATamperedSignature() {
        var text = Array(token.signed(key: key).utf8)
        let index = text.count - 10
        text[index] = text[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(kind(String(decoding: text, as: UTF8.self)) == .badSignature)
        #expect(kind(String(token.signed(key: key).dropLast(2))) == .badSignature)
    }

    @Test func refusesAnExpiredToken() throws {
        let text = token.signed(key: key)
        #expect(kind(text, now: 2_000_000) == .expired)
        do {
            _ = try SocketToken.verify(text, key: key, app: "chat", now: 3_000_000)
        } catch {
            #expect(
                error.message
                    == "the socket token expired 1000 s ago; ask the app for a new one (fazt.socket.token)"
            )
        }
    }

    @Test func refusesAnotherAppsKeyAndAnotherAppsToken() {
        let other = SocketToken.appKey(master: master, app: "shop")
        #expect(other != key)
        #expect(kind(token.signed(key: other)) == .badSignature)
        #expect(kind(token.signed(key: key), key: key, app: "shop") == .wrongApp)
        #expect(
            kind(token.signed(key: SocketToken.appKey(master: Array("another master".utf8), app: "chat")))
                == .badSignature
        )
    }

    @Test func refusesOversizedTokens() {
        let many = SocketToken(app: "chat", user: nil, channels: (0...100).map { "c\($0)" }, expiresAtMs: 2_000_000)
        #expect(kind(many.signed(key: key)) == .malformed)
        let longUser = SocketToken(
            app: "chat",
            user: String(repeating: "u", count: 257),
            channels: [],
            expiresAtMs: 2_000_000
        )
        #expect(kind(longUser.signed(key: key)) == .malformed)
        let badPattern = SocketToken(app: "chat", user: nil, channels: ["a b"], expiresAtMs: 2_000_000)
        #expect(kind(badPattern.signed(key: key)) == .malformed)
        #expect(kind("v1." + String(repeating: "a", count: 5000) + ".x") == .malformed)
    }

    @Test func garbageIsRefusedWithoutCrashing() {
        for text in ["", ".", "..", "v1..", "v1.a.b", "v2.e30.x", "v1.e30", "v1.!!!.abc", "v1.e30.e30.e30", "💥.💥.💥"] {
            #expect(kind(text) != nil, "\(text)")
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("v1.ABCxyz019-_=+/ .\"{}é".unicodeScalars)
        for _ in 0..<500 {
            let length = Int.random(in: 0..<80, using: &generator)
            var text = ""
            for _ in 0..<length {
                text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            #expect(kind(text) != nil)
        }
        // Random bytes inside a well-formed frame, signed: the payload parser must hold up too.
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0..<60, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            let unsigned = "v1." + Base64URL.encode(bytes)
            let signed =
                unsigned + "." + Base64URL.encode(SocketToken.hmacSHA256(key: key, message: Array(unsigned.utf8)))
            #expect(kind(signed) == .malformed)
        }
    }

    @Test func base64URLRoundTripsAndRejectsNonCanonicalText() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(Substring(text)) == bytes)
        }
        #expect(Base64URL.encode(Array("hello?>".utf8)) == "aGVsbG8_Pg")
        #expect(Base64URL.decode("aGVsbG8_Pg") == Array("hello?>".utf8))
        #expect(Base64URL.decode("aGVsbG8_Ph") == nil)
        #expect(Base64URL.decode("aGVsbG8/Pg") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("aGk=") == nil)
    }
}
