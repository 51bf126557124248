import FaztTestSupport
import Foundation
import Testing

@testable import FaztTLS

@Suite struct CertificateRequestTests {
    @Test func csrVerifiesWithOpenSSLAndNamesEveryDomain() throws {
        let key = try ECKey()
        let der = try CertificateRequest.der(names: ["fazt.test", "blog.fazt.test"], key: key)
        let directory = try TemporaryDirectory()
        try Data(der).write(to: URL(fileURLWithPath: directory.path + "/request.der"))
        let checked = try ServerProcess.runScript(
            "/usr/bin/openssl",
            ["req", "-inform", "DER", "-in", "request.der", "-verify", "-noout", "-text"],
            in: URL(fileURLWithPath: directory.path)
        )
        #expect(checked.status == 0, "\(checked.output)")
        #expect(
            checked.output.contains("verify OK")
                || checked.output.contains("Certificate request self-signature verify OK")
        )
        #expect(checked.output.contains("DNS:fazt.test, DNS:blog.fazt.test"), "\(checked.output)")
        #expect(
            checked.output.contains("CN = fazt.test") || checked.output.contains("CN=fazt.test"),
            "\(checked.output)"
        )
    }

    @Test func keyRoundTripsThroughPEMAndSignsES256() throws {
        let key = try ECKey()
        let again = try ECKey(pem: try key.pem)
        #expect(try again.publicPoint == key.publicPoint)
        let signature = try key.signRaw(Array("message".utf8))
        #expect(signature.count == 64)
        let jwk = try key.jwk
        #expect(jwk.hasPrefix(#"{"crv":"P-256","kty":"EC","x":""#), "RFC 7638 member order: \(jwk)")
        #expect(try key.thumbprint.count == 43, "base64url of 32 bytes, unpadded")
        #expect(throws: TLSError.self) { try ECKey(pem: Array("not a key".utf8)) }
    }

    @Test func renewalFallsDueWhenAThirdOfTheLifetimeIsLeft() {
        let notBefore: Int64 = 1_000_000
        let notAfter = notBefore + 90 * 86_400
        let renewAt = RenewalPolicy.renewAt(name: "blog.fazt.test", notBefore: notBefore, notAfter: notAfter)
        #expect(renewAt <= notAfter - 30 * 86_400)
        #expect(renewAt >= notAfter - 33 * 86_400, "jitter is at most 1/30 of the lifetime")
        #expect(
            !RenewalPolicy.isDue(name: "blog.fazt.test", notBefore: notBefore, notAfter: notAfter, now: renewAt - 1)
        )
        #expect(RenewalPolicy.isDue(name: "blog.fazt.test", notBefore: notBefore, notAfter: notAfter, now: renewAt))
        #expect(renewAt == RenewalPolicy.renewAt(name: "blog.fazt.test", notBefore: notBefore, notAfter: notAfter))
        #expect(RenewalPolicy.backoff(failures: 1) == 60)
        #expect(RenewalPolicy.backoff(failures: 3) == 240)
        #expect(RenewalPolicy.backoff(failures: 40) == 86_400)
    }

    @Test func challengeTokensAnswerOnlyPresentedTokens() throws {
        let tokens = ChallengeTokens()
        #expect(tokens.answer(path: "/.well-known/acme-challenge/abc") == nil)
        try tokens.present(name: "fazt.test", token: "abc", keyAuthorization: "abc.xyz")
        #expect(tokens.answer(path: "/.well-known/acme-challenge/abc") == "abc.xyz")
        #expect(tokens.answer(path: "/other/abc") == nil)
        tokens.cleanUp(name: "fazt.test", token: "abc", keyAuthorization: "abc.xyz")
        #expect(tokens.answer(path: "/.well-known/acme-challenge/abc") == nil)
    }
}
