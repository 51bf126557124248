import Foundation
import Testing

@testable import FaztRuntime

/// `crypto.subtle` HMAC keys, signatures and their errors (part of the serialized `PreludeTests`
/// suite: one JavaScript context at a time).
extension PreludeTests {
    /// Runs `body` (an async function body with `hex(bytes)`, `bytes(hex)` and `text(string)` in
    /// scope) as a handler and answers what it returns.
    func cryptoRun(_ body: String) throws -> PreludeHarness.Answer {
        try run([
            "api/main.js": """
            const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
            const bytes = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
            const text = (s) => new TextEncoder().encode(s);
            const failure = (promise) => promise.then(() => "resolved", (e) => `${e.name}: ${e.message}`);
            module.exports = async () => { \(body) };
            """
        ])
    }

    // RFC 4231 test cases 1, 2 and 6: key (hex), data (text), HMAC-SHA-256, HMAC-SHA-512.
    static let rfc4231: [(key: String, data: String, sha256: String, sha512: String)] = [
        (
            String(repeating: "0b", count: 20), "Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        ),
        (
            "4a656665", "what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        ),
        (
            String(repeating: "aa", count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        ),
    ]

    @Test func hmacSignsRFC4231Vectors() throws {
        for vector in Self.rfc4231 {
            let answer = try cryptoRun(
                """
                const out = [];
                for (const hash of ["SHA-256", {name: "SHA-512"}]) {
                  const key = await crypto.subtle.importKey("raw", bytes("\(vector.key)"), {name: "HMAC", hash}, false, ["sign"]);
                  out.push(hex(await crypto.subtle.sign("HMAC", key, text("\(vector.data)"))));
                }
                return out;
                """
            )
            #expect(answer.json as? [String] == [vector.sha256, vector.sha512])
        }
    }

    @Test func hmacVerifiesOnlyTheRightSignature() throws {
        let vector = Self.rfc4231[1]
        let answer = try cryptoRun(
            """
            const key = await crypto.subtle.importKey("raw", text("Jefe").buffer, {name: "hmac", hash: "sha-256"}, false, ["verify", "sign"]);
            const data = new DataView(text("\(vector.data)").buffer);
            const good = bytes("\(vector.sha256)");
            const flipped = bytes("\(vector.sha256)"); flipped[31] ^= 1;
            return [
              await crypto.subtle.verify("HMAC", key, good, data),
              await crypto.subtle.verify({name: "HMAC"}, key, flipped, data),
              await crypto.subtle.verify("HMAC", key, good.slice(0, 16), data),
              await crypto.subtle.verify("HMAC", key, good, text("other")),
              key.type, key.algorithm.name, key.algorithm.hash.name, key.algorithm.length, key.usages,
            ];
            """
        )
        #expect(answer.text == #"[true,false,false,false,"secret","HMAC","SHA-256",32,["sign","verify"]]"#)
    }

    @Test func keepsNonExtractableKeyBytesFromJavaScript() throws {
        let answer = try cryptoRun(
            """
            const caught = [];
            for (const name of ["get", "set", "has"]) {
              const original = WeakMap.prototype[name];
              WeakMap.prototype[name] = function (...args) { caught.push(...args); return original.apply(this, args); };
            }
            const secret = await crypto.subtle.importKey("raw", text("s3cret"), {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
            await crypto.subtle.sign("HMAC", secret, text("x"));
            const open = await crypto.subtle.importKey("raw", text("s3cret"), {name: "HMAC", hash: "SHA-1"}, true, ["sign"]);
            const seen = JSON.stringify(secret) + Object.getOwnPropertyNames(secret).join() + Object.getOwnPropertySymbols(secret).length;
            return [
              seen.includes("s3cret") || caught.length > 0, seen,
              await failure(crypto.subtle.exportKey("raw", secret)),
              new TextDecoder().decode(await crypto.subtle.exportKey("raw", open)),
              await failure(Promise.resolve().then(() => new CryptoKey())),
            ];
            """
        )
        let values = try #require(answer.json as? [Any])
        #expect(values.first as? Bool == false)
        #expect(
            values.dropFirst(2).compactMap { $0 as? String } == [
                "InvalidAccessError: crypto.subtle.exportKey: the key is not extractable: import it with extractable true",
                "s3cret",
                "TypeError: CryptoKey cannot be constructed: use crypto.subtle.importKey",
            ]
        )
    }

    @Test func namesWhatHMACCannotDo() throws {
        let answer = try cryptoRun(
            """
            const k = text("key");
            const signOnly = await crypto.subtle.importKey("raw", k, {name: "HMAC", hash: "SHA-384"}, false, ["sign"]);
            return [
              await failure(crypto.subtle.importKey("raw", k, {name: "AES-GCM"}, false, ["encrypt"])),
              await failure(crypto.subtle.importKey("jwk", k, {name: "HMAC", hash: "SHA-256"}, false, ["sign"])),
              await failure(crypto.subtle.importKey("raw", k, {name: "HMAC", hash: "MD5"}, false, ["sign"])),
              await failure(crypto.subtle.importKey("raw", k, "HMAC", false, ["sign"])),
              await failure(crypto.subtle.importKey("raw", "key", {name: "HMAC", hash: "SHA-256"}, false, ["sign"])),
              await failure(crypto.subtle.sign("RSASSA-PKCS1-v1_5", signOnly, k)),
              await failure(crypto.subtle.verify("HMAC", signOnly, k, k)),
              await failure(crypto.subtle.sign("HMAC", {type: "secret"}, k)),
              await failure(crypto.subtle.sign("HMAC", signOnly, "text")),
              hex(await crypto.subtle.sign("HMAC", signOnly, text("abc"))).length,
            ];
            """
        )
        #expect(
            answer.json as? [AnyHashable] == [
                "NotSupportedError: crypto.subtle.importKey: unsupported algorithm AES-GCM: only HMAC is supported",
                "NotSupportedError: crypto.subtle.importKey: unsupported format jwk: only \"raw\" is supported",
                "NotSupportedError: crypto.subtle.importKey: unsupported hash MD5: use one of SHA-1, SHA-256, SHA-384, SHA-512",
                "TypeError: crypto.subtle.importKey: HMAC needs a hash, like {name: \"HMAC\", hash: \"SHA-256\"}",
                "TypeError: crypto.subtle.importKey: the key data must be an ArrayBuffer, a typed array or a DataView "
                    + "(for text, pass new TextEncoder().encode(text))",
                "NotSupportedError: crypto.subtle.sign: unsupported algorithm RSASSA-PKCS1-v1_5: only HMAC is supported",
                "InvalidAccessError: crypto.subtle.verify: the key does not allow \"verify\": import it with \"verify\" in its usages",
                "TypeError: crypto.subtle.sign: the key must be a CryptoKey from crypto.subtle.importKey",
                "TypeError: crypto.subtle.sign: the data must be an ArrayBuffer, a typed array or a DataView "
                    + "(for text, pass new TextEncoder().encode(text))",
                96,
            ]
        )
    }
}
