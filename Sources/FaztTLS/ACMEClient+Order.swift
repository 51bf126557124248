import FaztJSON
import FaztNet
import Foundation

extension ACMEClient {
    /// Orders a certificate for `names`, answers each authorization with `solver`, finalizes with
    /// a CSR for `certificateKey` and returns the PEM chain; `ordered` runs once the order exists.
    ///
    /// When the CA no longer knows the stored account (a test CA restarted, an account deactivated),
    /// it registers again once and tells `accountChanged` the new account URL.
    func obtain(
        names: [String],
        solver: any ChallengeSolver,
        certificateKey: ECKey,
        accountChanged: (String) throws -> Void = { _ in },
        ordered: () -> Void = {}
    ) throws -> String {
        let identifiers = names.map { #"{"type":"dns","value":\#(JSONValue.quoted($0))}"# }.joined(separator: ",")
        let request = #"{"identifiers":[\#(identifiers)]}"#
        let created: HTTPClientExchange
        do {
            created = try post(try directory().newOrder, payload: request)
        } catch let error as TLSError where error.problemType == Self.accountDoesNotExist {
            forgetAccount()
            try accountChanged(try accountURL)
            created = try post(try directory().newOrder, payload: request)
        }
        ordered()
        guard let orderURL = created.header("Location"), let order = try? JSONValue.decode(created.body),
            let finalize = order["finalize"]?.stringValue, case .array(let authorizations)? = order["authorizations"]
        else { throw TLSError(.acme, "the ACME server's new order is malformed") }
        for case .string(let url) in authorizations {
            try authorize(url, solver: solver)
        }
        let csr = Base64URL.encode(try CertificateRequest.der(names: names, key: certificateKey))
        var answer = try post(finalize, payload: #"{"csr":"\#(csr)"}"#)
        var state = try JSONValue.decode(answer.body)
        for _ in 0..<120 {
            switch state["status"]?.stringValue {
            case "valid":
                guard let certificate = state["certificate"]?.stringValue else {
                    throw TLSError(.acme, "a valid order names no certificate")
                }
                let chain = try post(certificate, payload: nil, accept: "application/pem-certificate-chain")
                return String(decoding: chain.body, as: UTF8.self)
            case "invalid":
                throw TLSError(
                    .acme,
                    "the ACME server refused to issue: \(state["error"]?["detail"]?.stringValue ?? "")"
                )
            default:
                pause(answer, fallback: 0.5)
                answer = try post(orderURL, payload: nil)
                state = try JSONValue.decode(answer.body)
            }
        }
        throw TLSError(.acme, "the order for \(names.joined(separator: ", ")) did not complete in time")
    }

    private func authorize(_ url: String, solver: any ChallengeSolver) throws {
        var answer = try post(url, payload: nil)
        var authorization = try JSONValue.decode(answer.body)
        if authorization["status"]?.stringValue == "valid" { return }
        let name = authorization["identifier"]?["value"]?.stringValue ?? ""
        guard case .array(let challenges)? = authorization["challenges"],
            let challenge = challenges.first(where: { $0["type"]?.stringValue == solver.type }),
            let challengeURL = challenge["url"]?.stringValue, let token = challenge["token"]?.stringValue
        else { throw TLSError(.acme, "the ACME server offers no \(solver.type) challenge for \(name)") }
        let keyAuthorization = try keyAuthorization(token: token)
        try solver.present(name: name, token: token, keyAuthorization: keyAuthorization)
        defer { solver.cleanUp(name: name, token: token, keyAuthorization: keyAuthorization) }
        _ = try post(challengeURL, payload: "{}")
        for _ in 0..<120 {
            switch authorization["status"]?.stringValue {
            case "valid":
                return
            case "invalid", "deactivated", "expired", "revoked":
                let detail =
                    (authorization["challenges"].flatMap { value -> String? in
                        guard case .array(let items) = value else { return nil }
                        return items.compactMap { $0["error"]?["detail"]?.stringValue }.first
                    }) ?? "no detail"
                throw TLSError(.acme, "\(solver.type) validation of \(name) failed: \(detail)")
            default:
                pause(answer, fallback: 0.5)
                answer = try post(url, payload: nil)
                authorization = try JSONValue.decode(answer.body)
            }
        }
        throw TLSError(.acme, "the authorization of \(name) did not complete in time")
    }
}
