import FaztTestSupport
import Foundation
import Testing

@testable import FaztKernel

/// The crypto under `fazt.secrets`: HMAC, PEM keys, RS256/ES256 signatures and compact JWS.
@Suite struct SecretCryptoTests {
    static func hex(_ bytes: [UInt8]) -> String { ByteEncoding.hex.encode(bytes) }

    @Test func hmacMatchesTheRFC4231AndRFC2202Vectors() {
        // RFC 4231 test case 1 and 2; RFC 2202 test case 1 for SHA-1.
        let key = [UInt8](repeating: 0x0b, count: 20)
        let message = Array("Hi There".utf8)
        #expect(
            Self.hex(HMACDigest.sha256.mac(key: key, message: message))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        )
        #expect(
            Self.hex(HMACDigest.sha384.mac(key: key, message: message))
                == "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
                + "faea9ea9076ede7f4af152e8b2fa9cb6"
        )
        #expect(
            Self.hex(HMACDigest.sha512.mac(key: key, message: message))
                == "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        )
        #expect(Self.hex(HMACDigest.sha1.mac(key: key, message: message)) == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(
            Self.hex(
                HMACDigest.sha256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            )
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
        #expect(HMACDigest(name: "SHA-256") == .sha256 && HMACDigest(name: "md5") == nil)
    }

    @Test func encodingsRoundTripAndSignaturesAreReadInAnySpelling() {
        let bytes: [UInt8] = [0xfb, 0xff, 0x00, 0x10, 0x3e]
        #expect(ByteEncoding.hex.encode(bytes) == "fbff00103e")
        #expect(ByteEncoding.base64.encode(bytes) == "+/8AED4=")
        #expect(ByteEncoding.base64url.encode(bytes) == "-_8AED4")
        for encoding in ByteEncoding.allCases { #expect(encoding.decode(encoding.encode(bytes)) == bytes) }
        #expect(ByteEncoding.base64.decode("-_8AED4") == bytes && ByteEncoding.base64url.decode("+/8AED4=") == bytes)
        #expect(ByteEncoding.decodeSignature("FBFF00103E", length: 5) == bytes)
        #expect(ByteEncoding.decodeSignature("+/8AED4=", length: 5) == bytes)
        #expect(ByteEncoding.hex.decode("abc") == nil && ByteEncoding.base64.decode("a") == nil)
    }

    @Test func verifiesTheRFC7515HS256ExampleAndRejectsAnyChange() throws {
        // RFC 7515 appendix A.1: the key is the JWK "k" below.
        let key = try #require(
            ByteEncoding.base64url.decode(
                "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
            )
        )
        let token =
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
            + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(CompactJWS.verify(token, key: .hmac(key)))
        #expect(!CompactJWS.verify(token, key: .hmac(key + [0])))
        #expect(!CompactJWS.verify(token.replacingOccurrences(of: ".eyJpc3Mi", with: ".eyJpc3Ni"), key: .hmac(key)))
        #expect(!CompactJWS.verify(String(token.dropLast()), key: .hmac(key)))
        // alg "none" (an unsigned token) never passes.
        let none = ByteEncoding.base64url.encode(Array(#"{"alg":"none"}"#.utf8)) + ".e30."
        #expect(!CompactJWS.verify(none, key: .hmac(key)))
    }

    @Test func signsHS256WithAFixedHeaderAndExtraFields() throws {
        let key = CompactJWS.Key.hmac(Array("secret".utf8))
        let token = try CompactJWS.sign(
            payload: Array(#"{"sub":"1"}"#.utf8),
            algorithm: .hs256,
            extraHeader: [("kid", .string("k1")), ("alg", .string("none"))],
            key: key
        )
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(ByteEncoding.base64url.decode(parts[0]) == Array(#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#.utf8))
        let expected = HMACDigest.sha256.mac(
            key: Array("secret".utf8),
            message: Array((parts[0] + "." + parts[1]).utf8)
        )
        #expect(ByteEncoding.base64url.decode(parts[2]) == expected)
        #expect(CompactJWS.verify(token, key: key))
    }

    @Test func loadsRSAAndP256KeysAndRefusesOthers() throws {
        let rsa = try #require(SigningKey(pem: Array(TestKeys.rsaPrivate.utf8)))
        #expect(rsa.kind == .rsa && rsa.isPrivate)
        let rsaPublic = try #require(SigningKey(pem: Array(TestKeys.rsaPublic.utf8)))
        #expect(rsaPublic.kind == .rsa && !rsaPublic.isPrivate)
        #expect(SigningKey(pem: Array(TestKeys.ecPrivate.utf8))?.kind == .ecP256)
        #expect(SigningKey(pem: Array(TestKeys.ecPublic.utf8))?.isPrivate == false)
        #expect(SigningKey(pem: Array(TestKeys.ec384Private.utf8)) == nil)
        #expect(SigningKey(pem: Array(TestKeys.ecEncrypted.utf8)) == nil)
        #expect(SigningKey(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)) == nil)
        // As pasted from a service account's JSON, line breaks still escaped.
        let escaped = TestKeys.rsaPrivate.replacingOccurrences(of: "\n", with: "\\n")
        #expect(SigningKey(pem: Array(escaped.utf8))?.kind == .rsa)
        #expect(SigningKey.isPEM(Array(TestKeys.ecPublic.utf8)) && !SigningKey.isPEM(Array("whsec_123".utf8)))
        #expect(throws: KernelError.self) { try rsaPublic.sign([1, 2, 3]) }
    }

    @Test func rs256MatchesOpenSSLAndVerifiesWithThePublicKey() throws {
        let key = CompactJWS.Key.pem(try #require(SigningKey(pem: Array(TestKeys.rsaPrivate.utf8))))
        #expect(key.defaultAlgorithm == .rs256)
        let token = try CompactJWS.sign(
            payload: Array(#"{"sub":"fazt"}"#.utf8),
            algorithm: .rs256,
            extraHeader: [],
            key: key
        )
        #expect(token == TestKeys.rs256JWT, "PKCS#1 v1.5 is deterministic: the same bytes as the openssl CLI")
        let publicKey = CompactJWS.Key.pem(try #require(SigningKey(pem: Array(TestKeys.rsaPublic.utf8))))
        #expect(CompactJWS.verify(token, key: publicKey))
        #expect(
            !CompactJWS.verify(
                token.replacingOccurrences(of: "eyJzdWIiOiJmYXp0In0", with: "eyJzdWIiOiJmYXpUIn0"),
                key: publicKey
            )
        )
        // The public key's bytes are never an HMAC secret for a token claiming HS256.
        let parts = token.split(separator: ".").map(String.init)
        let forgedHeader = ByteEncoding.base64url.encode(Array(#"{"alg":"HS256"}"#.utf8))
        let forgedInput = forgedHeader + "." + parts[1]
        let forged = HMACDigest.sha256.mac(key: Array(TestKeys.rsaPublic.utf8), message: Array(forgedInput.utf8))
        #expect(!CompactJWS.verify(forgedInput + "." + ByteEncoding.base64url.encode(forged), key: publicKey))
        #expect(!key.accepts(.es256) && !key.accepts(.hs256))
    }

    @Test func es256SignaturesAreRawSixtyFourBytesAndVerify() throws {
        let signer = try #require(SigningKey(pem: Array(TestKeys.ecPrivate.utf8)))
        let verifier = try #require(SigningKey(pem: Array(TestKeys.ecPublic.utf8)))
        let message = Array("claims".utf8)
        let signature = try signer.sign(message)
        #expect(signature.count == 64)
        #expect(verifier.verify(message, signature: signature))
        #expect(!verifier.verify(message + [0], signature: signature))
        var tampered = signature
        tampered[10] ^= 1
        #expect(!verifier.verify(message, signature: tampered))
        // A DER signature made by the openssl CLI verifies, and converts to r ‖ s and back.
        let der = try #require(ByteEncoding.base64.decode(TestKeys.ecDERSignature))
        #expect(verifier.verify(Array(TestKeys.ecMessage.utf8), signature: der))
        let raw = try #require(SigningKey.rawSignature(der: der))
        #expect(raw.count == 64 && SigningKey.derSignature(raw: raw) == der)
        #expect(verifier.verify(Array(TestKeys.ecMessage.utf8), signature: raw))

        let key = CompactJWS.Key.pem(signer)
        #expect(key.defaultAlgorithm == .es256)
        let token = try CompactJWS.sign(payload: Array("{}".utf8), algorithm: .es256, extraHeader: [], key: key)
        #expect(ByteEncoding.base64url.decode(String(token.split(separator: ".")[2]))?.count == 64)
        #expect(CompactJWS.verify(token, key: .pem(verifier)))
        #expect(!CompactJWS.verify(token, key: .pem(try #require(SigningKey(pem: Array(TestKeys.rsaPublic.utf8))))))
    }
}
