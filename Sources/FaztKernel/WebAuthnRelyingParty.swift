import FaztVFS
import Foundation

/// A stored passkey: its credential id, its P-256 public key and its signature counter.
public struct PasskeyCredential: Codable, Sendable, Equatable {
    /// The credential id, base64url.
    public var id: String
    /// The public key's coordinates, base64url (32 bytes each).
    public var x: String
    public var y: String
    public var signCount: UInt32
    public var name: String
    public var createdAt: Int64
}

/// The checks a WebAuthn relying party makes (W3C WebAuthn Level 2, §7), for ES256 passkeys with
/// "none" attestation: the client data (type, challenge, origin), the authenticator data (the RP id
/// hash, user presence, the counter, the credential's COSE key) and the assertion's signature over
/// `authenticatorData ‖ SHA-256(clientDataJSON)`.
public struct WebAuthnRelyingParty: Sendable {
    /// The RP id: the dashboard's host name, without a port.
    public var id: String
    /// The origin pages run at (`https://example.com`, `http://localhost:8080`).
    public var origin: String

    public init(id: String, origin: String) {
        self.id = id
        self.origin = origin
    }

    struct AuthenticatorData {
        var flags: UInt8
        var signCount: UInt32
        var credentialID: [UInt8]?
        var publicKey: CBORValue?
    }

    /// Checks a `navigator.credentials.create()` answer made for `challenge`; returns the new
    /// credential (its counter as the authenticator reported it).
    public func register(
        clientDataJSON: [UInt8],
        attestationObject: [UInt8],
        challenge: [UInt8],
        name: String,
        now: Int64
    ) throws(KernelError) -> PasskeyCredential {
        try checkClientData(clientDataJSON, type: "webauthn.create", challenge: challenge)
        var offset = 0
        let attestation = try CBORValue.read(attestationObject, at: &offset)
        guard case .bytes(let authData)? = attestation[.text("authData")] else {
            throw Self.refused("the attestation object has no authData")
        }
        let parsed = try parse(authData)
        guard let credentialID = parsed.credentialID, let key = parsed.publicKey else {
            throw Self.refused("the authenticator data carries no credential")
        }
        // COSE_Key: kty 2 (EC2), alg -7 (ES256), crv 1 (P-256), x, y.
        guard key[.int(1)] == .int(2), key[.int(3)] == .int(-7), key[.int(-1)] == .int(1),
            case .bytes(let x)? = key[.int(-2)], case .bytes(let y)? = key[.int(-3)], x.count == 32, y.count == 32
        else { throw Self.refused("only ES256 (P-256) passkeys are supported") }
        guard Self.publicKey(x: x, y: y) != nil else { throw Self.refused("the public key is not a P-256 point") }
        return PasskeyCredential(
            id: ByteEncoding.base64url.encode(credentialID),
            x: ByteEncoding.base64url.encode(x),
            y: ByteEncoding.base64url.encode(y),
            signCount: parsed.signCount,
            name: name,
            createdAt: now
        )
    }

    /// Checks a `navigator.credentials.get()` answer made for `challenge` with `credential`;
    /// returns the counter to store.
    public func authenticate(
        credential: PasskeyCredential,
        clientDataJSON: [UInt8],
        authenticatorData: [UInt8],
        signature: [UInt8],
        challenge: [UInt8]
    ) throws(KernelError) -> UInt32 {
        try checkClientData(clientDataJSON, type: "webauthn.get", challenge: challenge)
        let parsed = try parse(authenticatorData)
        guard let x = ByteEncoding.base64url.decode(credential.x), let y = ByteEncoding.base64url.decode(credential.y),
            let key = Self.publicKey(x: x, y: y)
        else { throw Self.refused("the stored passkey is damaged") }
        let signed = authenticatorData + ContentHashBytes.sha256(clientDataJSON)
        guard key.verify(signed, signature: signature) else {
            throw Self.refused("the passkey's signature does not verify")
        }
        // A counter that does not grow (when either side counts) suggests a cloned authenticator.
        if parsed.signCount != 0 || credential.signCount != 0, parsed.signCount <= credential.signCount {
            throw Self.refused("the passkey's counter went backwards (a cloned authenticator?)")
        }
        return parsed.signCount
    }

    private func checkClientData(_ json: [UInt8], type: String, challenge: [UInt8]) throws(KernelError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw Self.refused("clientDataJSON is not a JSON object")
        }
        guard object["type"] as? String == type else { throw Self.refused("clientData type is not \(type)") }
        guard let sent = (object["challenge"] as? String).flatMap(ByteEncoding.base64url.decode),
            SecretBox.constantTimeEqual(sent, challenge)
        else { throw Self.refused("the challenge does not match (expired or reused)") }
        guard object["origin"] as? String == origin else {
            throw Self.refused("the origin \(object["origin"] as? String ?? "?") is not \(origin)")
        }
    }

    func parse(_ data: [UInt8]) throws(KernelError) -> AuthenticatorData {
        guard data.count >= 37 else { throw Self.refused("the authenticator data is too short") }
        guard Array(data[0..<32]) == ContentHashBytes.sha256(Array(id.utf8)) else {
            throw Self.refused("the passkey belongs to another site than \(id)")
        }
        let flags = data[32]
        guard flags & 0x01 != 0 else { throw Self.refused("the user was not present (UP flag)") }
        let count = data[33..<37].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var parsed = AuthenticatorData(flags: flags, signCount: count)
        guard flags & 0x40 != 0 else { return parsed }
        guard data.count >= 55 else { throw Self.refused("the attested credential data is cut short") }
        let length = Int(data[53]) << 8 | Int(data[54])
        guard length > 0, length <= 1023, data.count >= 55 + length else {
            throw Self.refused("the credential id is cut short")
        }
        parsed.credentialID = Array(data[55..<55 + length])
        var offset = 55 + length
        parsed.publicKey = try CBORValue.read(data, at: &offset)
        return parsed
    }

    /// The P-256 public key at (x, y), through its SubjectPublicKeyInfo.
    static func publicKey(x: [UInt8], y: [UInt8]) -> SigningKey? {
        let prefix: [UInt8] = [
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
            0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
        ]
        let base64 = Data(prefix + x + y).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let pem = "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
        guard let key = SigningKey(pem: Array(pem.utf8)), key.kind == .ecP256 else { return nil }
        return key
    }

    static func refused(_ why: String) -> KernelError { KernelError(.invalidArgument, "passkey refused: \(why)") }
}

/// SHA-256 as bytes (libcrypto, through `ContentHash`).
enum ContentHashBytes {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { ContentHash(of: bytes).bytes }
}
