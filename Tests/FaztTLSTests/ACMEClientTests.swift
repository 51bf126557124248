import FaztNet
import Foundation
import Synchronization
import Testing

@testable import FaztTLS

/// An ACME server stand-in: answers from a script and records what was sent.
final class ScriptedTransport: ACMETransport, Sendable {
    typealias Answer = (status: Int, headers: [(String, String)], body: String)
    private let script: Mutex<[Answer]>
    let sent = Mutex<[(method: String, url: String, body: String)]>([])

    init(_ answers: [Answer]) { script = Mutex(answers) }

    func send(method: String, url: String, headers: [String], body: [UInt8]?) throws -> HTTPClientExchange {
        sent.withLock { $0.append((method, url, String(decoding: body ?? [], as: UTF8.self))) }
        if url.hasSuffix("/directory") {
            let directory =
                #"{"newNonce":"https://ca/nonce","newAccount":"https://ca/account","newOrder":"https://ca/order"}"#
            return HTTPClientExchange(status: 200, headers: [], body: Array(directory.utf8))
        }
        if method == "HEAD" { return HTTPClientExchange(status: 200, headers: [("Replay-Nonce", "first")], body: []) }
        let answer: Answer = script.withLock { $0.isEmpty ? (status: 500, headers: [], body: "{}") : $0.removeFirst() }
        return HTTPClientExchange(status: answer.status, headers: answer.headers, body: Array(answer.body.utf8))
    }
}

@Suite struct ACMEClientTests {
    static func protectedHeader(_ jws: String) -> String {
        guard let start = jws.range(of: #""protected":""#)?.upperBound,
            let end = jws[start...].firstIndex(of: "\"")
        else { return "" }
        var text = String(jws[start..<end]).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return String(decoding: Data(base64Encoded: text) ?? Data(), as: UTF8.self)
    }

    @Test func badNonceIsRetriedWithTheNonceTheErrorCarries() throws {
        let transport = ScriptedTransport([
            (400, [("Replay-Nonce", "fresh")], #"{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}"#),
            (201, [("Replay-Nonce", "next"), ("Location", "https://ca/acct/1")], #"{"status":"valid"}"#),
        ])
        let client = ACMEClient(
            directoryURL: "https://ca/directory",
            accountKey: try ECKey(),
            accountURL: nil,
            email: "me@fazt.test",
            transport: transport
        )
        #expect(try client.accountURL == "https://ca/acct/1")
        let posts = transport.sent.withLock { $0.filter { $0.method == "POST" } }
        #expect(posts.count == 2)
        let first = Self.protectedHeader(posts[0].body)
        let second = Self.protectedHeader(posts[1].body)
        #expect(first.contains(#""nonce":"first""#) && first.contains(#""jwk":{"crv":"P-256""#), "\(first)")
        #expect(second.contains(#""nonce":"fresh""#), "the retry uses the error's nonce: \(second)")
        #expect(second.contains(#""url":"https://ca/account""#) && second.contains(#""alg":"ES256""#))
    }

    @Test func otherProblemsAreReportedWithTheirDetail() throws {
        let transport = ScriptedTransport([
            (403, [], #"{"type":"urn:ietf:params:acme:error:unauthorized","detail":"no such account"}"#)
        ])
        let client = ACMEClient(
            directoryURL: "https://ca/directory",
            accountKey: try ECKey(),
            accountURL: "https://ca/acct/1",
            email: nil,
            transport: transport
        )
        let error = #expect(throws: TLSError.self) { _ = try client.post("https://ca/order", payload: "{}") }
        #expect(error?.message.contains("no such account") == true)
        #expect(error?.problemType == "urn:ietf:params:acme:error:unauthorized")
    }

    @Test func anAccountTheCAForgotIsRegisteredAgainOnce() throws {
        let transport = ScriptedTransport([
            (400, [], #"{"type":"urn:ietf:params:acme:error:accountDoesNotExist","detail":"gone"}"#),
            (201, [("Location", "https://ca/acct/2")], #"{"status":"valid"}"#),
            (201, [("Location", "https://ca/order/1")], #"{"status":"pending"}"#),
        ])
        let client = ACMEClient(
            directoryURL: "https://ca/directory",
            accountKey: try ECKey(),
            accountURL: "https://ca/acct/1",
            email: nil,
            transport: transport
        )
        let changed = Mutex<[String]>([])
        #expect(throws: TLSError.self, "the scripted order is malformed") {
            _ = try client.obtain(
                names: ["fazt.test"],
                solver: ChallengeTokens(),
                certificateKey: try ECKey(),
                accountChanged: { url in changed.withLock { $0.append(url) } }
            )
        }
        #expect(changed.withLock { $0 } == ["https://ca/acct/2"])
        let posts = transport.sent.withLock { $0.filter { $0.method == "POST" } }
        #expect(posts.map(\.url) == ["https://ca/order", "https://ca/account", "https://ca/order"])
        #expect(Self.protectedHeader(posts[0].body).contains(#""kid":"https://ca/acct/1""#))
        #expect(Self.protectedHeader(posts[2].body).contains(#""kid":"https://ca/acct/2""#))
    }
}
