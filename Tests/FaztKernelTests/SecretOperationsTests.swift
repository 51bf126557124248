import FaztStorage
import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztKernel

/// `fazt.secrets.*` as the daemon answers them: results, errors with codes, no secret bytes in
/// either.
@Suite struct SecretOperationsTests {
    let directory: TemporaryDirectory
    let secrets: AppSecrets
    let operations: SecretOperations
    static let hookSecret = "whsec_live_0123456789abcdef"

    init() throws {
        directory = try TemporaryDirectory()
        let store = try Store(path: directory.path + "/data.db")
        secrets = AppSecrets(store: store, box: try SecretBox(databasePath: store.path))
        operations = SecretOperations(secrets: secrets)
        try secrets.set(app: "shop", name: "HOOK", value: Self.hookSecret)
        try secrets.set(app: "shop", name: "OPEN", value: "public-ish", readable: true)
        try secrets.set(app: AppSecrets.globalScope, name: "RSA_KEY", value: TestKeys.rsaPrivate)
        try secrets.set(app: "shop", name: "RSA_PUB", value: TestKeys.rsaPublic)
        try secrets.set(app: "shop", name: "EC_KEY", value: TestKeys.ecPrivate)
    }

    func call(_ op: StorageOp, _ name: String, _ options: String = "", _ data: String = "") throws -> String {
        try operations.answer(StorageCall(op: op, app: "shop", args: [name, options], data: Array(data.utf8)))
    }

    func failure(_ op: StorageOp, _ name: String, _ options: String = "", _ data: String = "") -> StorageError? {
        #expect(throws: StorageError.self) { try call(op, name, options, data) }
    }

    @Test func hmacAnswersInTheAskedDigestAndEncoding() throws {
        let expected = HMACDigest.sha256.mac(key: Array(Self.hookSecret.utf8), message: Array("1.{}".utf8))
        #expect(try call(.secretsHMAC, "HOOK", "", "1.{}") == "\"\(ByteEncoding.hex.encode(expected))\"")
        #expect(
            try call(.secretsHMAC, "HOOK", #"{"encoding":"base64"}"#, "1.{}")
                == "\"\(ByteEncoding.base64.encode(expected))\""
        )
        let sha1 = HMACDigest.sha1.mac(key: Array(Self.hookSecret.utf8), message: Array("x".utf8))
        #expect(try call(.secretsHMAC, "HOOK", #"{"alg":"sha1"}"#, "x") == "\"\(ByteEncoding.hex.encode(sha1))\"")
        #expect(failure(.secretsHMAC, "HOOK", #"{"alg":"md5"}"#, "x")?.code == .invalidArgument)
        #expect(failure(.secretsHMAC, "HOOK", #"{"encoding":"hex2"}"#, "x")?.code == .invalidArgument)
    }

    @Test func verifyChecksHMACSignaturesInAnySpelling() throws {
        let body = #"{"id":"evt_1"}"#
        let mac = HMACDigest.sha256.mac(key: Array(Self.hookSecret.utf8), message: Array("1700000000.\(body)".utf8))
        for spelling in [
            ByteEncoding.hex.encode(mac), ByteEncoding.base64.encode(mac), ByteEncoding.base64url.encode(mac),
        ] {
            let options = #"{"signature":"\#(spelling)"}"#
            #expect(try call(.secretsVerify, "HOOK", options, "1700000000.\(body)") == "true")
            #expect(try call(.secretsVerify, "HOOK", options, "1700000001.\(body)") == "false")
        }
        #expect(try call(.secretsVerify, "HOOK", #"{"signature":"zz"}"#, body) == "false")
        #expect(try call(.secretsVerify, "HOOK", #"{"signature":""}"#, body) == "false")
        let sha1 = HMACDigest.sha1.mac(key: Array(Self.hookSecret.utf8), message: Array(body.utf8))
        let options = #"{"signature":"\#(ByteEncoding.hex.encode(sha1))","alg":"sha1"}"#
        #expect(try call(.secretsVerify, "HOOK", options, body) == "true")
        let wrongKind = failure(.secretsVerify, "HOOK", #"{"signature":"00","alg":"RS256"}"#, body)
        #expect(wrongKind?.code == .invalidArgument && wrongKind?.message.contains("BEGIN PUBLIC KEY") == true)
    }

    @Test func signsAndVerifiesJWTsWithEachKind() throws {
        let hs =
            try JSONSerialization.jsonObject(
                with: Data(try call(.secretsSign, "HOOK", "", #"{"sub":"1"}"#).utf8),
                options: .fragmentsAllowed
            ) as? String
        let hsToken = try #require(hs)
        #expect(try call(.secretsVerify, "HOOK", "", hsToken) == "true")
        #expect(try call(.secretsVerify, "HOOK", "", hsToken + "x") == "false")

        let rs = try call(.secretsSign, "RSA_KEY", #"{"header":{"kid":"k1"}}"#, #"{"sub":"fazt"}"#)
        let rsToken = String(rs.dropFirst().dropLast())
        let header = ByteEncoding.base64url.decode(String(rsToken.split(separator: ".")[0]))
        #expect(header == Array(#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#.utf8))
        #expect(try call(.secretsVerify, "RSA_PUB", "", rsToken) == "true")
        #expect(try call(.secretsVerify, "RSA_KEY", "", rsToken) == "true")
        #expect(try call(.secretsVerify, "HOOK", "", rsToken) == "false")
        // A detached RS256 signature over data, in base64.
        let signature = try #require(ByteEncoding.base64url.decode(String(rsToken.split(separator: ".")[2])))
        let input = String(rsToken.split(separator: ".")[0]) + "." + String(rsToken.split(separator: ".")[1])
        let detached = #"{"signature":"\#(ByteEncoding.base64.encode(signature))"}"#
        #expect(try call(.secretsVerify, "RSA_PUB", detached, input) == "true")
        #expect(try call(.secretsVerify, "RSA_PUB", detached, input + " ") == "false")
        let hex = #"{"signature":"\#(ByteEncoding.hex.encode(signature))"}"#
        #expect(try call(.secretsVerify, "RSA_PUB", hex, input) == "true")

        let es = String(try call(.secretsSign, "EC_KEY", "", "payload").dropFirst().dropLast())
        #expect(try call(.secretsVerify, "EC_KEY", "", es) == "true")
        #expect(failure(.secretsSign, "EC_KEY", #"{"alg":"RS256"}"#, "x")?.message.contains("ES256") == true)
        #expect(failure(.secretsSign, "HOOK", #"{"alg":"RS256"}"#, "x")?.code == .invalidArgument)
        #expect(failure(.secretsSign, "RSA_PUB", "", "x")?.message.contains("public key") == true)
        #expect(failure(.secretsSign, "HOOK", #"{"alg":"none"}"#, "x")?.code == .invalidArgument)
    }

    @Test func getReturnsOnlyReadableSecretsAndErrorsNameTheFix() throws {
        #expect(try call(.secretsGet, "OPEN") == "\"public-ish\"")
        let hidden = failure(.secretsGet, "HOOK")
        #expect(hidden?.code == .secretNotReadable)
        #expect(hidden?.message.contains("fazt secret set shop HOOK - --readable") == true)
        let missing = failure(.secretsGet, "NOPE")
        #expect(missing?.code == .secretNotFound && missing?.message.contains("fazt secret set shop NOPE -") == true)
        #expect(failure(.secretsHMAC, "NOPE", "", "x")?.code == .secretNotFound)
        #expect(failure(.secretsGet, "bad name")?.code == .invalidArgument)
        // Another app sees neither this app's secrets nor, of course, their values.
        let other = #expect(throws: StorageError.self) {
            try operations.answer(StorageCall(op: .secretsGet, app: "blog", args: ["HOOK"]))
        }
        #expect(other?.code == .secretNotFound)
    }

    @Test func secretOpsAreKernelCallsThatTouchNoStorage() {
        for op in SecretOperations.ops {
            #expect(op.route == .kernel && op.isSecret && !op.isWrite && !op.isRealtime, "\(op)")
        }
        #expect(StorageOp.allCases.filter(\.isSecret).count == SecretOperations.ops.count)
    }

    @Test func headerExtrasCanDropTyp() throws {
        let token = String(
            try call(.secretsSign, "HOOK", #"{"header":{"typ":null,"kid":"a"}}"#, "x").dropFirst().dropLast()
        )
        let header = ByteEncoding.base64url.decode(String(token.split(separator: ".")[0]))
        #expect(header == Array(#"{"alg":"HS256","kid":"a"}"#.utf8))
        #expect(failure(.secretsSign, "HOOK", #"{"header":"kid"}"#, "x")?.code == .invalidArgument)
    }

    @Test func refusesDataOverOneMegabyte() {
        let big = String(repeating: "x", count: (1 << 20) + 1)
        #expect(failure(.secretsHMAC, "HOOK", "", big)?.code == .tooLarge)
    }

    @Test func noAnswerOrErrorCarriesTheSecret() throws {
        var texts: [String] = []
        texts.append(try call(.secretsHMAC, "HOOK", "", Self.hookSecret))
        texts.append(try call(.secretsSign, "HOOK", "", "x"))
        texts.append(try call(.secretsVerify, "HOOK", #"{"signature":"00"}"#, "x"))
        for (op, name, options) in [
            (StorageOp.secretsGet, "HOOK", ""), (.secretsSign, "HOOK", #"{"alg":"ES256"}"#),
            (.secretsHMAC, "HOOK", #"{"alg":"nope"}"#), (.secretsSign, "RSA_KEY", #"{"alg":"HS256"}"#),
            (.secretsVerify, "RSA_KEY", #"{"signature":"00","alg":"ES256"}"#),
        ] {
            texts.append(failure(op, name, options, "x")?.message ?? "")
        }
        let rsaBody = TestKeys.rsaPrivate.split(separator: "\n")[1]
        for text in texts {
            #expect(!text.contains(Self.hookSecret) && !text.contains(rsaBody))
        }
    }
}
