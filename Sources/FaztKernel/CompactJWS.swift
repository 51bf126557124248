import FaztJSON

/// JWS in compact serialization (RFC 7515 §7.1), as JWTs use it.
///
/// A token is `header.payload.signature`, each part base64url. Signs and verifies with an owner
/// secret: HS256/384/512 with its bytes, RS256 or ES256 with the PEM key it holds. `none` is never
/// accepted.
enum CompactJWS {
    /// The algorithms it knows (RFC 7518 names).
    enum Algorithm: String, CaseIterable {
        case hs256 = "HS256"
        case hs384 = "HS384"
        case hs512 = "HS512"
        case rs256 = "RS256"
        case es256 = "ES256"

        var digest: HMACDigest? {
            switch self {
            case .hs256: return .sha256
            case .hs384: return .sha384
            case .hs512: return .sha512
            case .rs256, .es256: return nil
            }
        }
    }

    /// What a secret signs with: its bytes (HMAC), or the RSA or EC key its PEM text holds.
    enum Key {
        case hmac([UInt8])
        case pem(SigningKey)

        /// The key in `secret`: a PEM key when it is PEM text, else the bytes themselves.
        ///
        /// PEM text that holds no usable key is an error naming the kinds that are.
        init(secret: [UInt8], name: String) throws {
            guard SigningKey.isPEM(secret) else {
                self = .hmac(secret)
                return
            }
            guard let key = SigningKey(pem: secret) else {
                throw KernelError(
                    .invalidArgument,
                    "secret \(name) is PEM text but not an unencrypted RSA (2048 bits or more) or EC P-256 key: "
                        + "set a PKCS#8 key (BEGIN PRIVATE KEY) or a public key (BEGIN PUBLIC KEY)"
                )
            }
            self = .pem(key)
        }

        /// The algorithm used when the caller names none.
        var defaultAlgorithm: Algorithm {
            switch self {
            case .hmac: return .hs256
            case .pem(let key): return key.kind == .rsa ? .rs256 : .es256
            }
        }

        /// Whether `algorithm` goes with this key (HS* with bytes, RS256 with RSA, ES256 with P-256).
        func accepts(_ algorithm: Algorithm) -> Bool {
            switch self {
            case .hmac: return algorithm.digest != nil
            case .pem(let key): return algorithm.rawValue == key.kind.algorithm
            }
        }

        /// The signature of `input` with `algorithm` (which it accepts).
        func sign(_ input: [UInt8], algorithm: Algorithm) throws -> [UInt8] {
            switch self {
            case .hmac(let bytes):
                guard let digest = algorithm.digest else {
                    throw KernelError(.invalidArgument, "not an HMAC algorithm")
                }
                return digest.mac(key: bytes, message: input)
            case .pem(let key):
                return try key.sign(input)
            }
        }

        /// Whether `signature` signs `input` with `algorithm`; HMACs compare in constant time.
        func verify(_ input: [UInt8], signature: [UInt8], algorithm: Algorithm) -> Bool {
            guard accepts(algorithm) else { return false }
            switch self {
            case .hmac(let bytes):
                guard let digest = algorithm.digest else { return false }
                return SecretBox.constantTimeEqual(digest.mac(key: bytes, message: input), signature)
            case .pem(let key):
                return key.verify(input, signature: signature)
            }
        }
    }

    /// A compact JWS of `payload` signed with `key`: the header is `{"alg", "typ": "JWT"}` and then
    /// the members of `extraHeader` (`kid`, …; `alg` among them is ignored).
    static func sign(
        payload: [UInt8],
        algorithm: Algorithm,
        extraHeader: [(String, JSONValue)],
        key: Key
    ) throws -> String {
        var members: [(String, JSONValue)] = [("alg", .string(algorithm.rawValue)), ("typ", .string("JWT"))]
        for (name, value) in extraHeader where name != "alg" {
            if let index = members.firstIndex(where: { $0.0 == name }) {
                members[index].1 = value
            } else {
                members.append((name, value))
            }
        }
        let header = JSONValue.object(members.filter { $0.1 != .null }).text
        let input =
            ByteEncoding.base64url.encode(Array(header.utf8)) + "." + ByteEncoding.base64url.encode(payload)
        let signature = try key.sign(Array(input.utf8), algorithm: algorithm)
        return input + "." + ByteEncoding.base64url.encode(signature)
    }

    /// Whether `token` is a compact JWS whose signature `key` verifies.
    ///
    /// The algorithm its header names must go with the key (so an RSA public key is never used as
    /// an HMAC secret, and `none` never passes). Claims such as `exp` are the caller's to check.
    static func verify(_ token: String, key: Key) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = ByteEncoding.base64url.decode(String(parts[0])),
            let header = try? JSONValue.decode(headerBytes),
            let name = header["alg"]?.stringValue, let algorithm = Algorithm(rawValue: name),
            key.accepts(algorithm),
            ByteEncoding.base64url.decode(String(parts[1])) != nil,
            let signature = ByteEncoding.base64url.decode(String(parts[2])),
            algorithm != .es256 || signature.count == 64
        else { return false }
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        return key.verify(input, signature: signature, algorithm: algorithm)
    }
}
