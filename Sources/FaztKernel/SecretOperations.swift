import FaztJSON
import FaztStorage

/// Answers `fazt.secrets.*` from app JavaScript: HMAC, JWS signing and signature checks with an
/// owner secret, done here so the secret's bytes never reach the worker; and `get`, which returns
/// a value only when the owner marked the secret readable (`fazt secret set … --readable`).
///
/// Calls are synchronous in JavaScript like the other `fazt.*` kernel calls. No answer, error or
/// log line carries a secret's bytes: errors name the secret, never its value.
public struct SecretOperations: Sendable {
    /// The storage operations it answers.
    public static let ops: Set<StorageOp> = [.secretsGet, .secretsHMAC, .secretsSign, .secretsVerify]
    /// The most data one call signs or checks.
    static let maxDataBytes = 1 << 20
    let secrets: AppSecrets

    /// Operations on the secrets in `secrets`.
    public init(secrets: AppSecrets) {
        self.secrets = secrets
    }

    /// Answers one call (blocking: it reads the secret from `data.db`; the caller is off the event
    /// loop).
    public func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        do {
            reply(.success(StorageResult(json: try answer(call))))
        } catch let error as StorageError {
            reply(.failure(error))
        } catch let error as KernelError where error.code == .invalidArgument || error.code == .tooLarge {
            reply(.failure(StorageError(error.code == .tooLarge ? .tooLarge : .invalidArgument, error.message)))
        } catch {
            // A damaged secret or a key file that changed: the detail may name files; keep it short.
            reply(
                .failure(
                    StorageError(.internalError, "fazt.secrets: the secret could not be used (see the daemon log)")
                )
            )
        }
    }

    /// The JSON answer to `call`.
    func answer(_ call: StorageCall) throws -> String {
        let name = try Self.name(call.arg(0))
        let data = call.data ?? []
        guard data.count <= Self.maxDataBytes else {
            throw StorageError(
                .tooLarge,
                "fazt.secrets: data is \(data.count) bytes (limit \(Self.maxDataBytes >> 20) MB)"
            )
        }
        let secret = try find(name, app: call.app)
        let options = try call.options(1)
        switch call.op {
        case .secretsGet:
            guard secret.readable else {
                throw StorageError(
                    .secretNotReadable,
                    "secret \(name) is not readable by JavaScript: use fazt.secrets.hmac/sign/verify or "
                        + "fetch(url, {auth: \"\(name)\"}), or let the app read it with "
                        + "`fazt secret set \(call.app) \(name) - --readable`"
                )
            }
            return JSONValue.quoted(String(decoding: secret.value, as: UTF8.self))
        case .secretsHMAC:
            let digest = try Self.digest(options["alg"], default: .sha256)
            let encoding = try Self.encoding(options["encoding"], default: .hex)
            return JSONValue.quoted(encoding.encode(digest.mac(key: secret.value, message: data)))
        case .secretsSign:
            let key = try CompactJWS.Key(secret: secret.value, name: name)
            let algorithm = try Self.algorithm(options["alg"], key: key, name: name)
            if case .pem(let pem) = key, !pem.isPrivate {
                throw StorageError(
                    .invalidArgument,
                    "secret \(name) is a public key: signing needs the private key (BEGIN PRIVATE KEY)"
                )
            }
            let extra: [(String, JSONValue)]
            switch options["header"] {
            case .object(let members)?: extra = members
            case nil, .null?: extra = []
            default:
                throw StorageError(
                    .invalidArgument,
                    "fazt.secrets.sign: header must be an object, like {kid: \"key-1\"}"
                )
            }
            return JSONValue.quoted(
                try CompactJWS.sign(payload: data, algorithm: algorithm, extraHeader: extra, key: key)
            )
        case .secretsVerify:
            return try verify(secret, name: name, data: data, options: options) ? "true" : "false"
        default:
            throw StorageError(.invalidArgument, "\(call.op.rawValue) is not a secrets call")
        }
    }

    /// `verify(name, data, signature, {alg, encoding})`, or `verify(name, jws)` without a signature.
    private func verify(_ secret: AppSecrets.Secret, name: String, data: [UInt8], options: JSONValue) throws -> Bool {
        let key = try CompactJWS.Key(secret: secret.value, name: name)
        guard let signatureText = options["signature"]?.stringValue else {
            if options["signature"] != nil, options["signature"] != .null {
                throw StorageError(.invalidArgument, "fazt.secrets.verify: the signature must be a string")
            }
            return CompactJWS.verify(String(decoding: data, as: UTF8.self), key: key)
        }
        let encoding = try options["encoding"].map { try Self.encoding($0, default: .hex) }
        let alg = options["alg"]?.stringValue
        switch key {
        case .hmac(let bytes):
            let digest: HMACDigest
            if let alg, let named = CompactJWS.Algorithm(rawValue: alg.uppercased()) {
                guard let hmac = named.digest else {
                    throw StorageError(
                        .invalidArgument,
                        "fazt.secrets.verify: secret \(name) is not a PEM key, so it checks HMACs: for \(named.rawValue) "
                            + "set a secret holding the signer's public key (BEGIN PUBLIC KEY)"
                    )
                }
                digest = hmac
            } else {
                digest = try Self.digest(options["alg"], default: .sha256)
            }
            let signature =
                encoding.flatMap { $0.decode(signatureText) }
                ?? (encoding == nil ? ByteEncoding.decodeSignature(signatureText, length: digest.length) : nil)
            guard let signature else { return false }
            return SecretBox.constantTimeEqual(digest.mac(key: bytes, message: data), signature)
        case .pem(let pem):
            if let alg, alg.uppercased() != pem.kind.algorithm {
                throw StorageError(
                    .invalidArgument,
                    "secret \(name) holds \(pem.kind == .rsa ? "an RSA" : "an EC P-256") key: use alg \(pem.kind.algorithm) (or leave alg out)"
                )
            }
            let signature =
                encoding.flatMap { $0.decode(signatureText) }
                ?? (encoding == nil ? ByteEncoding.decodeSignature(signatureText, length: pem.signatureLength) : nil)
            guard let signature else { return false }
            return pem.verify(data, signature: signature)
        }
    }

    private func find(_ name: String, app: String) throws -> AppSecrets.Secret {
        guard let secret = try secrets.resolve(app: app, name: name) else {
            throw StorageError(
                .secretNotFound,
                "no secret \(name) for app \(app): set it with `fazt secret set \(app) \(name) -` (the value from stdin)"
                    + " or `fazt secret set --global \(name) -`"
            )
        }
        return secret
    }

    private static func name(_ text: String) throws -> String {
        do {
            return try AppSecrets.validate(name: text)
        } catch {
            throw StorageError(
                .invalidArgument,
                "fazt.secrets: a secret name is 1-64 letters, digits and _, not starting with a digit (got \(JSONValue.quoted(String(text.prefix(80)))))"
            )
        }
    }

    private static func digest(_ value: JSONValue?, default fallback: HMACDigest) throws -> HMACDigest {
        guard let value, value != .null else { return fallback }
        guard let text = value.stringValue, let digest = HMACDigest(name: text) else {
            throw StorageError(
                .invalidArgument,
                "fazt.secrets: alg must be \"sha256\", \"sha1\", \"sha384\" or \"sha512\""
            )
        }
        return digest
    }

    private static func encoding(_ value: JSONValue?, default fallback: ByteEncoding) throws -> ByteEncoding {
        guard let value, value != .null else { return fallback }
        guard let text = value.stringValue, let encoding = ByteEncoding(rawValue: text.lowercased()) else {
            throw StorageError(.invalidArgument, "fazt.secrets: encoding must be \"hex\", \"base64\" or \"base64url\"")
        }
        return encoding
    }

    private static func algorithm(_ value: JSONValue?, key: CompactJWS.Key, name: String) throws -> CompactJWS.Algorithm
    {
        guard let value, value != .null else { return key.defaultAlgorithm }
        guard let text = value.stringValue, let algorithm = CompactJWS.Algorithm(rawValue: text.uppercased()) else {
            throw StorageError(
                .invalidArgument,
                "fazt.secrets.sign: alg must be one of \(CompactJWS.Algorithm.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard key.accepts(algorithm) else {
            let holds: String
            switch key {
            case .hmac: holds = "is not a PEM key, so it signs with HS256, HS384 or HS512"
            case .pem(let pem):
                holds = "holds \(pem.kind == .rsa ? "an RSA" : "an EC P-256") key: use \(pem.kind.algorithm)"
            }
            throw StorageError(
                .invalidArgument,
                "fazt.secrets.sign: secret \(name) \(holds), not \(algorithm.rawValue)"
            )
        }
        return algorithm
    }
}

extension StorageError.Code {
    /// `fazt.secrets.*` named a secret that is not set for the app (nor globally).
    public static let secretNotFound = StorageError.Code(rawValue: "SECRET_NOT_FOUND")
    /// `fazt.secrets.get` on a secret the owner did not mark readable.
    public static let secretNotReadable = StorageError.Code(rawValue: "SECRET_NOT_READABLE")
}
