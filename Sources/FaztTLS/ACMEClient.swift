import FaztJSON
import FaztNet
import Foundation
import Synchronization

/// An ACME (RFC 8555) client: account, orders, challenges, finalize, download.
///
/// Blocking: it runs on the certificate manager's own threads, never on an event loop. Requests
/// are flattened-JSON JWS signed ES256 with the account key; a `badNonce` answer is retried with
/// the fresh nonce it carries (RFC 8555 §6.5); polling honours `Retry-After`.
final class ACMEClient: Sendable {
    /// The directory's URLs.
    struct Directory: Sendable {
        var newNonce: String
        var newAccount: String
        var newOrder: String
    }

    let directoryURL: String
    let accountKey: ECKey
    let email: String?
    private let transport: any ACMETransport
    private let state = Mutex<(directory: Directory?, account: String?, nonces: [String])>((nil, nil, []))
    /// Longest wait between two polls, whatever `Retry-After` says.
    let maxPollSeconds: Double
    private static let badNonce = "urn:ietf:params:acme:error:badNonce"
    static let accountDoesNotExist = "urn:ietf:params:acme:error:accountDoesNotExist"

    init(
        directoryURL: String,
        accountKey: ECKey,
        accountURL: String?,
        email: String?,
        transport: any ACMETransport,
        maxPollSeconds: Double = 10
    ) {
        self.directoryURL = directoryURL
        self.accountKey = accountKey
        self.email = email
        self.transport = transport
        self.maxPollSeconds = maxPollSeconds
        state.withLock { $0.account = accountURL }
    }

    /// The account URL (the JWS `kid`), registering the account on first use.
    var accountURL: String {
        get throws {
            if let known = state.withLock({ $0.account }) { return known }
            let contact = email.map { #","contact":[\#(JSONValue.quoted("mailto:" + $0))]"# } ?? ""
            let answer = try post(
                try directory().newAccount,
                payload: #"{"termsOfServiceAgreed":true\#(contact)}"#,
                signWithJWK: true
            )
            guard let location = answer.header("Location") else {
                throw TLSError(.acme, "the ACME server created an account but sent no Location")
            }
            state.withLock { $0.account = location }
            return location
        }
    }

    /// Forgets the account URL (the CA no longer knows it); the next request registers again.
    func forgetAccount() {
        state.withLock { $0.account = nil }
    }

    func directory() throws -> Directory {
        if let known = state.withLock({ $0.directory }) { return known }
        let answer = try transport.send(method: "GET", url: directoryURL, headers: [], body: nil)
        let json = try? JSONValue.decode(answer.body)
        guard answer.status == 200, let json, let newNonce = json["newNonce"]?.stringValue,
            let newAccount = json["newAccount"]?.stringValue, let newOrder = json["newOrder"]?.stringValue
        else {
            throw TLSError(
                .acme,
                "\(directoryURL) is not an ACME directory (HTTP \(answer.status)); check --acme-directory"
            )
        }
        let directory = Directory(newNonce: newNonce, newAccount: newAccount, newOrder: newOrder)
        state.withLock { $0.directory = directory }
        return directory
    }

    private func nonce() throws -> String {
        if let pooled = state.withLock({ $0.nonces.popLast() }) { return pooled }
        let answer = try transport.send(method: "HEAD", url: try directory().newNonce, headers: [], body: nil)
        guard let nonce = answer.header("Replay-Nonce") else {
            throw TLSError(.acme, "the ACME server sent no Replay-Nonce (HTTP \(answer.status))")
        }
        return nonce
    }

    /// POSTs a JWS of `payload` (nil: POST-as-GET, an empty payload) to `url`.
    ///
    /// An error status throws the ACME problem; a `badNonce` problem is retried (up to 10 times).
    func post(
        _ url: String,
        payload: String?,
        signWithJWK: Bool = false,
        accept: String? = nil
    ) throws -> HTTPClientExchange {
        var attempt = 0
        while true {
            attempt += 1
            let body = try jws(url: url, payload: payload ?? "", nonce: try nonce(), signWithJWK: signWithJWK)
            var headers = ["Content-Type: application/jose+json"]
            if let accept { headers.append("Accept: \(accept)") }
            let answer = try transport.send(method: "POST", url: url, headers: headers, body: Array(body.utf8))
            if let fresh = answer.header("Replay-Nonce") {
                state.withLock { $0.nonces = Array(($0.nonces + [fresh]).suffix(16)) }
            }
            guard answer.status >= 400 else { return answer }
            let problem = try? JSONValue.decode(answer.body)
            let type = problem?["type"]?.stringValue
            if type == Self.badNonce, attempt < 10 { continue }
            let detail = problem?["detail"]?.stringValue ?? String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw TLSError(.acme, "ACME \(url) answered \(answer.status): \(detail)", problemType: type)
        }
    }

    private func jws(url: String, payload: String, nonce: String, signWithJWK: Bool) throws -> String {
        let key =
            signWithJWK ? #""jwk":\#(try accountKey.jwk)"# : #""kid":\#(JSONValue.quoted(try accountURL))"#
        let header = #"{"alg":"ES256",\#(key),"nonce":\#(JSONValue.quoted(nonce)),"url":\#(JSONValue.quoted(url))}"#
        let protected = Base64URL.encode(header)
        let encodedPayload = Base64URL.encode(payload)
        let signature = try accountKey.signRaw(Array("\(protected).\(encodedPayload)".utf8))
        return
            #"{"protected":"\#(protected)","payload":"\#(encodedPayload)","signature":"\#(Base64URL.encode(signature))"}"#
    }

    /// The key authorization of a challenge token (RFC 8555 §8.1).
    func keyAuthorization(token: String) throws -> String {
        token + "." + (try accountKey.thumbprint)
    }

    /// Waits as `Retry-After` asks (seconds), bounded by `maxPollSeconds`; `fallback` when absent.
    func pause(_ answer: HTTPClientExchange, fallback: Double) {
        let asked = answer.header("Retry-After").flatMap(Double.init) ?? fallback
        Thread.sleep(forTimeInterval: min(max(asked, 0.05), maxPollSeconds))
    }
}
